#!/bin/sh
# Regenerates the committed fixtures from the real software (Debian bookworm packages:
# python3-django, python3-passlib, python3-argon2, python3-bcrypt, php-cli). CI does not
# install them: the tests read the committed JSON.
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 make.py > python.json
php make.php > php.json
/usr/bin/python3 spec.py > spec.json
/usr/bin/python3 des.py > des.json
