"""config.toml's [mail] section: which SMTP server to send through, and as whom.

The password is never written in the config: `password_env` names an environment
variable and `password_command` a program (a password manager) whose first line of
output is the password, read at the moment of sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.validate import setting

SECURITY = ("starttls", "ssl", "none")  # "none" sends in clear text: meant for a server on localhost


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = setting(587, 1, 65535)
    security: str = "starttls"
    user: str = ""
    password_env: str = ""
    password_command: str = ""
    from_address: str = ""
    from_name: str = ""
    signature: str = ""  # appended to every new draft, below "-- "
    timeout_seconds: int = setting(30, 1, 600)
    # `solocrm import mail --imap` reads one folder, logging in with the same password
    imap_host: str = ""  # "" reads from host
    imap_port: int = setting(0, 0, 65535)  # 0: 993 with ssl, 143 otherwise
    imap_security: str = "ssl"
    imap_user: str = ""  # "" logs in as user
    imap_folder: str = "INBOX"


def required(settings: MailSettings | None, config_file: Path | None) -> MailSettings:
    """The settings, or one line saying what to add where: sending needs a server and a sender."""
    if settings is None:
        where = f" to {config_file}" if config_file else ""
        raise ValidationError(f'email is not set up: add a [mail] section with host and from_address{where} '
                              '(e.g. host = "smtp.example.com", from_address = "you@example.com")')
    return settings
