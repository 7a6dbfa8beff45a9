"""Notifications (消息通知): message templates, push senders (FCM, log) and, later, the outbox and dispatcher.

The FCM edge needs no database: ``senders.build_sender(settings)`` gives a sender, ``templates.render``
the texts. Only ``fcm_adapter`` touches firebase-admin internals.
"""
