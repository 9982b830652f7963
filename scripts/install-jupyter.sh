#!/usr/bin/env bash
# Notebook tooling for the tslab tutorial series and its tests:
# - JupyterLab 4, installed with pip into the project's own venv, .venv/ (git-ignored): the client
#   learners use and the one tests/slow/notebooks.test.ts drives;
# - Chromium from apt, for that test's headless browser;
# - the tslab kernel of this checkout registered for the venv's Jupyter.
# Where pip has no JupyterLab (no package index reachable), Debian's Jupyter packages (the classic
# Notebook, nbconvert) are installed instead so the notebooks can still be opened by hand; the
# notebook test then skips and says why.
# Idempotent and quick when everything is there: each step checks first and only acts when
# something is missing. Run it after `npm install` so the tslab kernel can be registered.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="$(pwd)/.venv"
# Debian's debugpy warns about frozen modules on every Jupyter start; the warning is noise here.
export PYDEVD_DISABLE_FILE_VALIDATION=1

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    # dpkg-query prints "install ok installed" only for fully installed packages.
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-jupyter: apt packages already installed: $*"
    return 0
  fi
  echo "install-jupyter: apt-get install ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The installed JupyterLab 4's version, from pip's metadata folder name (importing jupyterlab to ask
# takes seconds); empty when there is none.
jupyterlab4_version() {
  local info
  [ -x "$VENV/bin/jupyter-lab" ] || return 0
  for info in "$VENV"/lib/python3*/site-packages/jupyterlab-4.*.dist-info; do
    [ -d "$info" ] && basename "$info" .dist-info | sed 's/^jupyterlab-//'
  done
}
has_jupyterlab4() { [ -n "$(jupyterlab4_version)" ]; }

apt_install chromium

if has_jupyterlab4; then
  echo "install-jupyter: JupyterLab $(jupyterlab4_version) already in $VENV"
else
  if ! python3 -m venv "$VENV"; then
    # Debian's python3 makes venvs only with python3-venv (ensurepip).
    apt_install python3-venv
    /usr/bin/python3 -m venv "$VENV"
  fi
  # --retries 0: where the default index is unreachable, give up on it at once (a configured
  # local index still answers).
  if "$VENV/bin/pip" install --quiet --retries 0 'jupyterlab>=4,<5'; then
    echo "install-jupyter: installed JupyterLab $(jupyterlab4_version) in $VENV"
  else
    echo "install-jupyter: pip could not install JupyterLab; falling back to Debian's Jupyter (classic Notebook)"
    echo "install-jupyter: the notebook tests need JupyterLab 4 in $VENV and will be skipped"
    apt_install jupyter-notebook jupyter-nbconvert python3-ipykernel
  fi
fi
# The repository's package.json says "type": "module", which Node applies to every .js file below
# it, .venv/ included: JupyterLab's bundled yarn.js would then fail to load ("Fail to get yarn
# configuration") on every start. A package.json in the venv restores CommonJS there.
if [ -d "$VENV" ] && [ ! -f "$VENV/package.json" ]; then echo '{ "type": "commonjs" }' > "$VENV/package.json"; fi

# Register the tslab kernel ("tslab", TypeScript, and "jslab", JavaScript) for the venv's Jupyter
# (--sys-prefix: inside .venv/, nothing written to the user's or the system's Jupyter). --binary
# pins this checkout's tslab by absolute path, so Jupyter finds the kernel without
# node_modules/.bin on PATH. The tests do not need this: they write their own kernelspec.
TSLAB_BIN="$(pwd)/node_modules/.bin/tslab"
SPEC="$VENV/share/jupyter/kernels/tslab/kernel.json"
if [ ! -x "$TSLAB_BIN" ]; then
  echo "install-jupyter: $TSLAB_BIN not found yet; run npm install, then this script again to register the tslab kernel"
elif ! has_jupyterlab4; then
  echo "install-jupyter: no JupyterLab in $VENV; register tslab for your Jupyter with: npx tslab install --binary=$TSLAB_BIN"
elif [ -f "$SPEC" ] && grep -qF "\"$TSLAB_BIN\"" "$SPEC"; then
  echo "install-jupyter: tslab kernel already registered in $VENV ($TSLAB_BIN)"
else
  echo "install-jupyter: registering the tslab kernel in $VENV"
  npx --no-install tslab install --python="$VENV/bin/python" --sys-prefix --binary="$TSLAB_BIN"
fi
