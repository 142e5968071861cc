import secrets
from pathlib import Path


def load_or_create_secret_key(data_dir: Path) -> str:
    """Keep one generated key per installation, so sessions and signed links survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        try:
            with path.open("x", encoding="ascii") as f:
                path.chmod(0o600)
                f.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass  # another process created it first; read theirs
    return path.read_text(encoding="ascii").strip()
