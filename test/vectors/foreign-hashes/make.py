"""Foreign password hashes made by the real software (Debian bookworm packages).

Run by make.sh; writes python.json. Each entry: format, the software and version
that made it, the stored string, the password it was made from.
"""
import base64, hashlib, json, sys

import django
from django.conf import settings

settings.configure(PASSWORD_HASHERS=[])
django.setup()
from django.contrib.auth import hashers as dj  # noqa: E402
import argon2  # noqa: E402
import bcrypt  # noqa: E402
import passlib  # noqa: E402
from passlib.hash import argon2 as pl_argon2, bcrypt as pl_bcrypt, pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512  # noqa: E402

ASCII = 'Correct-Horse-7'
FULL = '\uff30\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff01'  # Ｐａｓｓｗｏｒｄ１２３！ typed in full width
out = []


def add(fmt, software, stored, password):
    out.append({'format': fmt, 'software': software, 'stored': stored, 'password': password})


djv = 'Django ' + django.get_version()


class Bcrypt10(dj.BCryptPasswordHasher):
    rounds = 10  # Django's default is 12: the format is the same, the tests run faster


class BcryptSha256_10(dj.BCryptSHA256PasswordHasher):
    rounds = 10


for pw in (ASCII, FULL):
    add('django-pbkdf2-sha256', djv, dj.PBKDF2PasswordHasher().encode(pw, dj.PBKDF2PasswordHasher().salt()), pw)
    add('django-argon2', djv, dj.Argon2PasswordHasher().encode(pw, dj.Argon2PasswordHasher().salt()), pw)
add('django-pbkdf2-sha1', djv, dj.PBKDF2SHA1PasswordHasher().encode(ASCII, dj.PBKDF2SHA1PasswordHasher().salt()), ASCII)
add('django-bcrypt-sha256', djv, BcryptSha256_10().encode(ASCII, BcryptSha256_10().salt()), ASCII)
add('django-bcrypt', djv, Bcrypt10().encode(ASCII, Bcrypt10().salt()), ASCII)

# Django 3.2 (bookworm) has no ScryptPasswordHasher (added in Django 4.0). This is the
# encode() of django/contrib/auth/hashers.py ScryptPasswordHasher in Django 4.0-5.x,
# over Python's hashlib.scrypt (OpenSSL), at Django's defaults n=2**14, r=8, p=1, dklen=64.
salt = dj.PBKDF2PasswordHasher().salt()
n, r, p = 2 ** 14, 8, 1
h = hashlib.scrypt(ASCII.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=0, dklen=64)
add('django-scrypt', 'Django 4.0+ ScryptPasswordHasher.encode, reproduced over Python hashlib.scrypt ' + sys.version.split()[0],
    '%s$%s$%d$%d$%d$%s' % ('scrypt', salt, n, r, p, base64.b64encode(h).decode('ascii')), ASCII)

plv = 'passlib ' + passlib.__version__
add('passlib-pbkdf2-sha256', plv, pbkdf2_sha256.hash(ASCII), ASCII)
add('passlib-pbkdf2-sha512', plv, pbkdf2_sha512.hash(ASCII), ASCII)
add('passlib-pbkdf2-sha1', plv, pbkdf2_sha1.hash(ASCII), ASCII)
add('argon2id', plv + ' (argon2-cffi backend)', pl_argon2.using(type='ID').hash(ASCII), ASCII)
add('bcrypt', plv + ' (bcrypt backend)', pl_bcrypt.using(rounds=10, ident='2b').hash(ASCII), ASCII)

acv = 'argon2-cffi ' + argon2.__version__
for pw in (ASCII, FULL):
    add('argon2id', acv, argon2.PasswordHasher().hash(pw), pw)
add('bcrypt', 'python-bcrypt ' + bcrypt.__version__, bcrypt.hashpw(ASCII.encode(), bcrypt.gensalt(10)).decode(), ASCII)

# Fast, unsalted hashes as home-grown systems store them (hex digests of the UTF-8 bytes), by Python hashlib.
for name in ('md5', 'sha1', 'sha256'):
    add(name, 'Python hashlib ' + sys.version.split()[0], hashlib.new(name, ASCII.encode()).hexdigest(), ASCII)

json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
