#!/usr/bin/env bash
# Print a working Python 3.10 interpreter for the assistant's venv (Rasa 3.6 does not run on 3.11).
# pyenv's shim answers "command not found" for versions that are installed but not selected, so each
# candidate is run once before it is trusted.
set -u
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
candidates+=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for dir in "$(pyenv root)"/versions/3.10*; do candidates+=("$dir/bin/python3.10"); done
fi
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
for python in "${candidates[@]}"; do
  if "$python" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    command -v "$python" 2>/dev/null || echo "$python"
    exit 0
  fi
done
echo "Python 3.10 is needed for the assistant (Rasa 3.6): install it (e.g. 'pyenv install 3.10.13')," \
     "or set PYTHON310=/path/to/python3.10, or use docker compose." >&2
exit 1
