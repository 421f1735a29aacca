"""Fixtures for systems not installable here, reproduced from their published format and
test vectors (run by make.sh; writes spec.json). Every entry names its source.

- ASP.NET Core Identity: the constants of dotnet/aspnetcore
  src/Identity/test/Identity.Test/PasswordHasherTest.cs (password "my password"), and the
  format of src/Identity/Extensions.Core/src/PasswordHasher.cs (v2: 0x00|salt16|subkey32,
  PBKDF2-HMAC-SHA1 1000; v3: 0x01|prf u32be|iterations u32be|salt length u32be|salt|subkey).
- Spring Security DelegatingPasswordEncoder: the examples of the reference manual,
  "Password Storage Format" (docs/modules/ROOT/pages/features/authentication/password-storage.adoc,
  password "password"), and Argon2PasswordEncoder / Pbkdf2PasswordEncoder /
  SCryptPasswordEncoder defaultsForSpringSecurity_v5_8 reproduced over argon2-cffi and hashlib.
- Keycloak: PasswordCredentialData / PasswordSecretData JSON of a realm export
  (org.keycloak.models.credential.dto), Pbkdf2PasswordHashProvider (PBEKeySpec over the
  password's chars, UTF-8 in SunJCE; 512-bit key) and Argon2PasswordHashProvider
  (Keycloak 24+ defaults: argon2id v1.3, m=7168, t=5, p=1, 32-byte hash), reproduced over hashlib / argon2-cffi.
"""
import base64, hashlib, json, os, sys
from argon2.low_level import hash_secret_raw, Type

ASCII = 'Correct-Horse-7'
FULL = '\uff30\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13\uff01'
ASPNET = 'https://github.com/dotnet/aspnetcore/blob/main/src/Identity/test/Identity.Test/PasswordHasherTest.cs'
SPRING_DOC = 'https://docs.spring.io/spring-security/reference/features/authentication/password-storage.html#authentication-password-storage-dpe-format'
out = []


def add(fmt, source, stored, password):
    out.append({'format': fmt, 'source': source, 'stored': stored, 'password': password})


for name, value in [
    ('V2_SHA1_1000iter_128salt_256subkey', 'AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg=='),
]:
    add('aspnet-v2', ASPNET + ' ' + name, value, 'my password')
for name, value in [
    ('V3_SHA1_250iter_128salt_128subkey', 'AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M'),
    ('V3_SHA256_250000iter_256salt_256subkey', 'AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ='),
    ('V3_SHA512_250iter_256salt_512subkey', 'AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw=='),
    ('V3_SHA512_100000iter_128salt_256subkey', 'AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ=='),
]:
    add('aspnet-v3', ASPNET + ' ' + name, value, 'my password')
# A full-width password through the v3 default of .NET 7+ (HMAC-SHA512, 100000 iterations, 16-byte salt, 32-byte subkey).
salt = os.urandom(16)
sub = hashlib.pbkdf2_hmac('sha512', FULL.encode(), salt, 100000, 32)
add('aspnet-v3', 'PasswordHasher.cs v3 format (.NET 7+ defaults) reproduced over hashlib',
    base64.b64encode(bytes([1]) + (2).to_bytes(4, 'big') + (100000).to_bytes(4, 'big') + (16).to_bytes(4, 'big') + salt + sub).decode(), FULL)

add('spring-bcrypt', SPRING_DOC, '{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG', 'password')
add('spring-pbkdf2', SPRING_DOC + ' (Pbkdf2PasswordEncoder 5.x defaults: HMAC-SHA1, 185000, 8-byte salt)',
    '{pbkdf2}5d923b44a6d129f3ddf3e3c8d29412723dcbde72445e8ef6bf3b508fbf17fa4ed4d6b99ca763d8dc', 'password')
add('spring-scrypt', SPRING_DOC, '{scrypt}$e0801$8bWJaSu2IKSn9Z9kM+TPXfOc/9bdYSrN1oD9qfVThWEwdRTnO7re7Ei+fUZRJ68k9lTyuTeUp4of4g24hHnazw==$OAOec05+bXxvuu/1qZ6NUR+xQYvYv7BeL1QxwRpY5Pc=', 'password')
add('spring-sha256', SPRING_DOC + ' (StandardPasswordEncoder: refused)', '{sha256}97cde38028ad898ebc02e690819fa220e88c62e0699403e94fff291cfffaf8410849f27605abcbc0', 'password')
# defaultsForSpringSecurity_v5_8: PBKDF2WithHmacSHA256, 310000 iterations, 16-byte salt, 256-bit hash, hex(salt|hash)
salt = os.urandom(16)
add('spring-pbkdf2', 'Pbkdf2PasswordEncoder.defaultsForSpringSecurity_v5_8 reproduced over hashlib',
    '{pbkdf2}' + (salt + hashlib.pbkdf2_hmac('sha256', ASCII.encode(), salt, 310000, 32)).hex(), ASCII)
# Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8: argon2id, salt 16, hash 32, p=1, m=16384, t=2 (Argon2EncodingUtils: unpadded base64)
salt = os.urandom(16)
tag = hash_secret_raw(ASCII.encode(), salt, time_cost=2, memory_cost=16384, parallelism=1, hash_len=32, type=Type.ID)
b64 = lambda b: base64.b64encode(b).decode().rstrip('=')
add('spring-argon2', 'Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8 reproduced over argon2-cffi',
    '{argon2}$argon2id$v=19$m=16384,t=2,p=1$%s$%s' % (b64(salt), b64(tag)), ASCII)


def keycloak(algorithm, iterations, salt, value, extra=None):
    return json.dumps({
        'type': 'password',
        'createdDate': 1700000000000,
        'secretData': json.dumps({'value': base64.b64encode(value).decode(), 'salt': base64.b64encode(salt).decode(), 'additionalParameters': {}}),
        'credentialData': json.dumps({'hashIterations': iterations, 'algorithm': algorithm, 'additionalParameters': extra or {}}),
    })


KC = 'Keycloak realm export credential (PasswordCredentialData/PasswordSecretData), reproduced over '
for pw in (ASCII, FULL):
    salt = os.urandom(16)
    add('keycloak-pbkdf2-sha256', KC + 'hashlib', keycloak('pbkdf2-sha256', 27500, salt, hashlib.pbkdf2_hmac('sha256', pw.encode(), salt, 27500, 64)), pw)
salt = os.urandom(16)
add('keycloak-pbkdf2-sha512', KC + 'hashlib', keycloak('pbkdf2-sha512', 210000, salt, hashlib.pbkdf2_hmac('sha512', ASCII.encode(), salt, 210000, 64)), ASCII)
salt = os.urandom(16)
add('keycloak-argon2', KC + 'argon2-cffi', keycloak('argon2', 5, salt,
    hash_secret_raw(ASCII.encode(), salt, time_cost=5, memory_cost=7168, parallelism=1, hash_len=32, type=Type.ID),
    {'hashLength': ['32'], 'memory': ['7168'], 'type': ['id'], 'version': ['1.3'], 'parallelism': ['1']}), ASCII)

json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
