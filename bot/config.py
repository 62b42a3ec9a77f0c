"""Settings, read once at start from the environment and a `.env` file.

Every setting is validated before anything starts, and a start with bad settings names
each offending variable, so an operator fixes them in one go instead of one per restart.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """The environment holds missing or malformed settings; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{Path.cwd() / 'reviewbot.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = Field(default_factory=default_database_url, alias="DATABASE_URL")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")

    teams_app_id: str | None = Field(default=None, alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(default=None, alias="TEAMS_APP_PASSWORD")
    teams_app_tenant_id: str | None = Field(default=None, alias="TEAMS_APP_TENANT_ID")
    teams_app_type: str | None = Field(default=None, alias="TEAMS_APP_TYPE")
    teams_allow_unauthenticated: bool = Field(default=False, alias="TEAMS_ALLOW_UNAUTHENTICATED")

    timezone: str = Field(default="UTC", alias="REVIEWBOT_TIMEZONE")
    hr_channel: str | None = Field(default=None, alias="REVIEWBOT_HR_CHANNEL")
    skip_level_access: bool = Field(default=False, alias="REVIEWBOT_SKIP_LEVEL_ACCESS")
    checkin_after_days: int = Field(default=91, ge=1, le=730, alias="REVIEWBOT_CHECKIN_AFTER_DAYS")
    sweep_seconds: float = Field(default=30.0, gt=0, alias="REVIEWBOT_SWEEP_SECONDS")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            rest = value.split("://", 1)[1]
            return f"postgresql+asyncpg://{rest}"
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.removeprefix("sqlite://")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str | None) -> str | None:
        if value and not value.endswith("/"):
            return value + "/"
        return value

    @property
    def slack_http_enabled(self) -> bool:
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    def missing_for_slack_http(self) -> list[str]:
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET")
        return missing


def load_settings(**overrides: object) -> Settings:
    """Reads the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            name = str(issue["loc"][0]) if issue["loc"] else "settings"
            problems.append(f"{name}: {issue['msg']}")
        raise SettingsError(problems) from None
