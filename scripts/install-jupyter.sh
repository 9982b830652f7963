#!/usr/bin/env bash
# Notebook tooling for the tslab tutorial series: Jupyter (nbconvert + nbclient + a kernel
# manager) from Debian packages for /usr/bin/python3, Chromium for the browser check, and the
# tslab kernel registered for that Python. PyPI is not used, so everything comes from apt.
# Idempotent: each step checks first and only acts when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
# Debian's debugpy warns about frozen modules on every Jupyter start; the warning is noise here.
export PYDEVD_DISABLE_FILE_VALIDATION=1
# libjs-mathjax and libjs-requirejs: Debian's nbconvert links the HTML export to their files in
# /usr/share/javascript, so exported notebooks typeset their equations offline.
APT_PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel chromium libjs-mathjax libjs-requirejs)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-jupyter: apt-get install ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-jupyter: apt packages already installed"
fi

# `tslab install` writes the kernelspecs "tslab" (TypeScript) and "jslab" (JavaScript) into the
# Jupyter data dir of $PY. --binary pins this checkout's tslab by absolute path, so JupyterLab
# finds the kernel without node_modules/.bin on PATH. Re-register when the registered binary is gone
# (the checkout moved) or points elsewhere. The tests do not need this registration: they write
# their own kernelspec for this checkout (tests/notebooks.test.ts).
TSLAB_BIN="$(pwd)/node_modules/.bin/tslab"
if [ ! -x "$TSLAB_BIN" ]; then
  echo "install-jupyter: $TSLAB_BIN not found yet; run npm install, then this script again to register the tslab kernel"
  exit 0
fi
registered="$(/usr/bin/jupyter kernelspec list --json 2>/dev/null | "$PY" -c '
import json, sys
spec = json.load(sys.stdin)["kernelspecs"].get("tslab")
print(spec["spec"]["argv"][0] if spec else "")
' || true)"
if [ "$registered" = "$TSLAB_BIN" ]; then
  echo "install-jupyter: tslab kernel already registered ($TSLAB_BIN)"
else
  echo "install-jupyter: registering the tslab kernel for $PY (was: '${registered:-none}')"
  npx --no-install tslab install --python="$PY" --binary="$TSLAB_BIN"
fi

/usr/bin/jupyter kernelspec list
