"""marshmallow schemas: every request and response body of the API."""
