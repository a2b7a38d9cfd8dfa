"""Settings: embedded defaults, overrides from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ENVIRONMENT_VARIABLES, Environment, Settings, SettingsError, load_settings


def test_defaults_are_the_embedded_setup(tmp_path: Path) -> None:
    settings = load_settings({"ONETHING_VAR_DIR": str(tmp_path)})
    assert settings.env is Environment.DEVELOPMENT
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/onething.db"
    assert settings.redis_is_embedded
    assert settings.runs_worker_in_process
    assert settings.default_locale == "zh_Hans"
    assert settings.max_request_body_bytes == 10 * 1024 * 1024


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"ONETHING_VAR_DIR": str(tmp_path)}).secret_key
    second = load_settings({"ONETHING_VAR_DIR": str(tmp_path)}).secret_key
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_overrides_every_kind_of_field(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ONETHING_VAR_DIR": str(tmp_path),
            "ONETHING_PORT": "9001",
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/onething",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "ONETHING_WORKER_IN_PROCESS": "true",
            "ONETHING_LOG_JSON": "false",
            "ONETHING_READINESS_TIMEOUT_SECONDS": "0.5",
            "ONETHING_SECRET_KEY": "s" * 40,
        }
    )
    assert settings.port == 9001
    assert (
        settings.effective_database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/onething"
    )
    assert not settings.redis_is_embedded
    assert settings.runs_worker_in_process  # explicitly asked for, despite an external Redis
    assert settings.log_json is False
    assert settings.readiness_timeout_seconds == 0.5
    assert settings.secret_key == "s" * 40


def test_external_redis_moves_the_worker_out_of_the_web_process(tmp_path: Path) -> None:
    settings = load_settings({"ONETHING_VAR_DIR": str(tmp_path), "REDIS_URL": "redis://x:6379/0"})
    assert not settings.runs_worker_in_process


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    settings = load_settings({"ONETHING_VAR_DIR": str(tmp_path), "DATABASE_URL": " "})
    assert settings.database_url is None


def test_a_bad_value_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ONETHING_PORT"):
        load_settings({"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_PORT": "eighty"})


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ONETHING_SECRET_KEY"):
        load_settings({"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_ENV": "production"})


def test_production_refuses_to_start_without_the_passkey_origin(tmp_path: Path) -> None:
    environ = {
        "ONETHING_VAR_DIR": str(tmp_path),
        "ONETHING_ENV": "production",
        "ONETHING_SECRET_KEY": "s" * 48,
        "ONETHING_SMS_GATEWAY_URL": "https://sms.example.gov.cn",
    }
    with pytest.raises(SettingsError, match="ONETHING_PASSKEY_ORIGIN"):
        load_settings(environ)
    origin = "https://onething.example.gov.cn"
    records = "https://records.example.gov.cn"
    settings = load_settings(
        {
            **environ,
            **_RECORDS_EXCHANGE,
            "ONETHING_PASSKEY_ORIGIN": origin,
            "ONETHING_POPULATION_RECORDS_URL": records,
        }
    )
    assert settings.passkey_origin == origin


def test_production_refuses_to_start_without_the_population_records_source(
    tmp_path: Path,
) -> None:
    environ = {
        "ONETHING_VAR_DIR": str(tmp_path),
        "ONETHING_ENV": "production",
        "ONETHING_SECRET_KEY": "s" * 48,
        "ONETHING_SMS_GATEWAY_URL": "https://sms.example.gov.cn",
        "ONETHING_PASSKEY_ORIGIN": "https://onething.example.gov.cn",
    }
    with pytest.raises(SettingsError, match="ONETHING_POPULATION_RECORDS_URL"):
        load_settings(environ)
    url = "https://records.example.gov.cn"
    settings = load_settings(
        {**environ, **_RECORDS_EXCHANGE, "ONETHING_POPULATION_RECORDS_URL": url}
    )
    assert settings.population_records_url == url


_RECORDS_EXCHANGE = {
    "ONETHING_RECORDS_EXCHANGE_URL": "https://exchange.example.gov.cn",
    "ONETHING_RECORDS_EXCHANGE_APP_ID": "onething",
    "ONETHING_RECORDS_EXCHANGE_SECRET": "x" * 40,
}


def test_production_refuses_to_start_without_the_records_exchange(tmp_path: Path) -> None:
    environ = {
        "ONETHING_VAR_DIR": str(tmp_path),
        "ONETHING_ENV": "production",
        "ONETHING_SECRET_KEY": "s" * 48,
        "ONETHING_SMS_GATEWAY_URL": "https://sms.example.gov.cn",
        "ONETHING_PASSKEY_ORIGIN": "https://onething.example.gov.cn",
        "ONETHING_POPULATION_RECORDS_URL": "https://records.example.gov.cn",
    }
    with pytest.raises(SettingsError, match="ONETHING_RECORDS_EXCHANGE_URL"):
        load_settings(environ)
    settings = load_settings({**environ, **_RECORDS_EXCHANGE})
    assert settings.records_exchange_url == "https://exchange.example.gov.cn"


def test_an_exchange_url_without_its_credentials_is_refused(tmp_path: Path) -> None:
    environ = {
        "ONETHING_VAR_DIR": str(tmp_path),
        "ONETHING_RECORDS_EXCHANGE_URL": "https://exchange.example.gov.cn",
        "ONETHING_RECORDS_EXCHANGE_APP_ID": "onething",
    }
    with pytest.raises(SettingsError, match="ONETHING_RECORDS_EXCHANGE_SECRET"):
        load_settings(environ)


def test_a_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings({"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_SECRET_KEY": "short"})


def test_every_environment_variable_names_a_setting_and_is_documented() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text("utf-8")
    for name, field in ENVIRONMENT_VARIABLES.items():
        assert field in Settings.__struct_fields__
        assert f"`{name}`" in readme, f"{name} is not documented in README.md"


def test_license_reminder_days_are_read_as_whole_days_largest_first(tmp_path: Path) -> None:
    env = {"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_LICENSE_REMINDER_DAYS": "7, 60,30"}
    assert load_settings(env).license_reminder_offsets == (60, 30, 7)
    assert load_settings({"ONETHING_VAR_DIR": str(tmp_path)}).license_reminder_offsets == (30, 7)
    for bad in ("thirty", "30,-1", "0"):
        with pytest.raises(SettingsError, match="ONETHING_LICENSE_REMINDER_DAYS"):
            load_settings({**env, "ONETHING_LICENSE_REMINDER_DAYS": bad})


_PRODUCTION = {
    "ONETHING_ENV": "production",
    "ONETHING_SECRET_KEY": "s" * 48,
    "ONETHING_SMS_GATEWAY_URL": "https://sms.example.gov.cn",
    "ONETHING_PASSKEY_ORIGIN": "https://onething.example.gov.cn",
    "ONETHING_POPULATION_RECORDS_URL": "https://records.example.gov.cn",
    **_RECORDS_EXCHANGE,
}


def test_development_and_tests_sign_in_through_the_apps_own_stand_ins(tmp_path: Path) -> None:
    for env in ("development", "test"):
        settings = load_settings(
            {"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_ENV": env, "ONETHING_PORT": "8123"}
        )
        assert settings.uses_platform_standins
        assert settings.own_base_url == "http://127.0.0.1:8123"
    off = load_settings({"ONETHING_VAR_DIR": str(tmp_path), "ONETHING_PLATFORM_STANDINS": "0"})
    assert not off.uses_platform_standins


def test_a_server_listening_on_every_address_is_called_on_the_loopback() -> None:
    assert Settings(host="0.0.0.0", port=80).own_base_url == "http://127.0.0.1:80"  # noqa: S104
    assert Settings(host="::1", port=80).own_base_url == "http://[::1]:80"


def test_production_has_no_stand_ins_and_refuses_to_turn_them_on(tmp_path: Path) -> None:
    environ = {"ONETHING_VAR_DIR": str(tmp_path), **_PRODUCTION}
    assert not load_settings(environ).uses_platform_standins
    with pytest.raises(SettingsError, match="ONETHING_PLATFORM_STANDINS"):
        load_settings({**environ, "ONETHING_PLATFORM_STANDINS": "true"})


def test_the_oidc_issuer_is_the_configured_public_address_never_a_request_host() -> None:
    public = "https://onething.gov.cn/"
    origin = "https://id.onething.gov.cn"

    assert Settings(public_base_url=public, passkey_origin=origin).oidc_issuer == public[:-1]
    assert Settings(passkey_origin=origin).oidc_issuer == origin
    assert Settings(port=8123).oidc_issuer == "http://127.0.0.1:8123"
