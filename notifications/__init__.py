"""Notifications (消息通知): the outbox, message templates, push senders (FCM, log), the dispatcher and workers.

A step that concerns someone calls ``outbox.notify`` inside the step's own transaction; the dispatcher
(a thread in the API, ``runtime``, or Celery workers, ``worker``) claims the deliveries and sends them
through ``senders.build_sender(settings)``. Only ``fcm_adapter`` touches firebase-admin internals. Nothing
here imports the HTTP app (``api``).
"""
