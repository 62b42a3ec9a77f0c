# Sourced by the scripts in this folder: makes sure .venv exists and holds what
# pyproject.toml asks for, reinstalling only when pyproject.toml changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "reviewbot needs Python 3.11 or newer; set PYTHON to one." >&2
    exit 2
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "Installing reviewbot and its dependencies into .venv (first run only)..." >&2
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
