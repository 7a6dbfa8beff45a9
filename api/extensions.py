"""Flask extensions, created here and bound in the app factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

babel = Babel()
compress = Compress()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)
