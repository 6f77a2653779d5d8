"""The extension objects, created unbound and initialised by the factory."""

from __future__ import annotations

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from site_app.outbox.mailer import RelayMail


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
mail = RelayMail()  # mail.send() too opens only verified connections
