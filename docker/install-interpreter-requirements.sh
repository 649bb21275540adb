#!/bin/sh
# Installs what every build image interpreter needs: the image-interpreter dependency group,
# then virtualenv at the versions the installed cibuildwheel constrains for this Python.
# cibuildwheel runs `pip install virtualenv -c /constraints.txt` before each test; with these
# versions already in place that step installs nothing (under QEMU it otherwise reinstalled
# five packages for every wheel).
set -eu
python=$1
requirements=/opt/_internal/requirements
echo "installing the interpreter requirements into ${python}"
"$python" -m pip install --no-cache-dir -r "$requirements/interpreter.txt"
version=$("$python" -c 'import sys; print("%d%d" % sys.version_info[:2])')
constraints="$requirements/cibuildwheel/constraints-python${version}.txt"
if [ -f "$constraints" ]; then
  "$python" -m pip install --no-cache-dir virtualenv -c "$constraints"
else
  echo "cibuildwheel has no constraints for Python ${version}: virtualenv left to cibuildwheel"
fi
