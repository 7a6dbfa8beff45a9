"""Domain errors. The API turns them into RFC 9457 problem+json in the caller's language.

Messages are English msgids with ``{name}`` placeholders; the API translates the template first
and formats it afterwards, so one catalogue serves every error.
"""

from __future__ import annotations


class Message(str):
    """A text formatted from a msgid template that keeps the template and its values, so the API translates
    the template and fills the values in again (a validator's "Use a number from 1 to 100.")."""

    template: str
    params: dict

    def __new__(cls, template: str, params: dict) -> Message:
        message = super().__new__(cls, str.format(template, **params))
        message.template, message.params = str(template), params
        return message


class Template(str):
    """A msgid with ``{placeholders}``; formatting it (as marshmallow's validators do) gives a ``Message``."""

    def format(self, *args, **params) -> Message:
        return Message(self, params)


def N_(message: str) -> Template:
    """Mark a message for translation without translating it here (models never import Flask)."""
    return Template(message)


class DomainError(Exception):
    status = 400
    type = "bad-request"
    title = N_("Bad request")
    message = N_("The request cannot be processed.")

    def __init__(self, message: str | None = None, **params):
        self.message = message or self.message
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)


class NotFound(DomainError):
    status = 404
    type = "not-found"
    title = N_("Not found")
    message = N_("The requested resource does not exist.")


class Forbidden(DomainError):
    status = 403
    type = "forbidden"
    title = N_("Forbidden")
    message = N_("You are not allowed to do this.")


class Conflict(DomainError):
    status = 409
    type = "conflict"
    title = N_("Conflict")
    message = N_("The request conflicts with the current state of the resource.")


class InvalidTransition(Conflict):
    type = "invalid-transition"
    title = N_("Action not allowed")
    message = N_("The action '{action}' is not allowed while the case is '{status}'.")


class PreconditionRequired(DomainError):
    status = 428
    type = "precondition-required"
    title = N_("Precondition required")
    message = N_("Send the case's ETag in an If-Match header to change it.")


class PreconditionFailed(DomainError):
    status = 412
    type = "precondition-failed"
    title = N_("Precondition failed")
    message = N_("The case has changed since you loaded it; reload it and try again.")


class ValidationFailed(DomainError):
    """Field errors, reported all at once: ``errors`` maps a dotted field path to its messages."""

    status = 422
    type = "validation-error"
    title = N_("Invalid input")
    message = N_("Some fields are not valid. Correct them and try again.")

    def __init__(self, errors: dict[str, list[str]], message: str | None = None, **params):
        self.errors = errors
        super().__init__(message, **params)


class PayloadTooLarge(DomainError):
    status = 413
    type = "payload-too-large"
    title = N_("Too large")
    message = N_("The request body is too large.")


class UnsupportedMediaType(DomainError):
    status = 415
    type = "unsupported-media-type"
    title = N_("Unsupported media type")
    message = N_("Send the body in a supported format.")


class UnsupportedFileType(UnsupportedMediaType):
    title = N_("Unsupported file type")
    message = N_("Only JPEG, PNG and PDF files are accepted.")


class Unauthorized(DomainError):
    status = 401
    type = "unauthorized"
    title = N_("Sign-in required")
    message = N_("Sign in to continue.")


def flatten_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"form.field": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_schema"
            for sub_path, msgs in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(msgs)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = list(messages)
        else:
            for item in messages:
                for sub_path, msgs in flatten_errors(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(msgs)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat
