"""Templates, versioned: an edit never changes a version that reviews already point to."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Audience, FieldType, ReviewKind, Template, TemplateField
from storage.models import TemplateModel

logger = logging.getLogger(__name__)


def fields_to_json(fields: tuple[TemplateField, ...]) -> list[dict[str, Any]]:
    return [
        {
            "key": field.key,
            "label": field.label,
            "type": field.type.value,
            "audience": field.audience.value,
            "required": field.required,
            "help": field.help,
            "options": list(field.options),
        }
        for field in fields
    ]


def fields_from_json(stored: list[dict[str, Any]]) -> tuple[TemplateField, ...]:
    return tuple(
        TemplateField(
            key=item["key"],
            label=item["label"],
            type=FieldType(item["type"]),
            audience=Audience(item.get("audience", Audience.MANAGER)),
            required=bool(item.get("required", False)),
            help=item.get("help"),
            options=tuple(item.get("options", ())),
        )
        for item in stored
    )


def to_template(record: TemplateModel) -> Template:
    return Template(
        key=record.key,
        version=record.version,
        name=record.name,
        kind=ReviewKind(record.kind),
        fields=fields_from_json(record.fields),
    )


def same_content(stored: Template, offered: Template) -> bool:
    return (stored.name, stored.kind, stored.fields) == (
        offered.name,
        offered.kind,
        offered.fields,
    )


class SqlTemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def latest(self, key: str) -> Template | None:
        record = await self._session.scalar(
            select(TemplateModel)
            .where(TemplateModel.key == key)
            .order_by(TemplateModel.version.desc())
            .limit(1)
        )
        return to_template(record) if record else None

    async def get(self, key: str, version: int) -> Template | None:
        record = await self._session.scalar(
            select(TemplateModel).where(TemplateModel.key == key, TemplateModel.version == version)
        )
        return to_template(record) if record else None

    async def list_latest(self) -> list[Template]:
        """The newest version of every template, ordered by key."""
        newest = (
            select(TemplateModel.key, func.max(TemplateModel.version).label("version"))
            .group_by(TemplateModel.key)
            .subquery()
        )
        records = await self._session.scalars(
            select(TemplateModel)
            .join(
                newest,
                and_(TemplateModel.key == newest.c.key, TemplateModel.version == newest.c.version),
            )
            .order_by(TemplateModel.key)
        )
        return [to_template(record) for record in records]

    async def add_version(self, template: Template) -> Template:
        latest = await self.latest(template.key)
        if latest is not None and same_content(latest, template):
            return latest

        record = TemplateModel(
            key=template.key,
            version=latest.version + 1 if latest else 1,
            name=template.name,
            kind=template.kind.value,
            fields=fields_to_json(template.fields),
        )
        self._session.add(record)
        await self._session.flush()

        logger.info("Stored template %s version %d", record.key, record.version)
        return to_template(record)
