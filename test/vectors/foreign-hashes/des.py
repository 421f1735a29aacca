"""crypt(3) traditional DES vectors from glibc's libcrypt (Python's crypt module), run by make.sh; writes des.json."""
import json, sys, warnings
warnings.simplefilter('ignore', DeprecationWarning)
import crypt  # noqa: E402

cases = [('Correct-Horse-7', 'ab'), ('password', '..'), ('', 'zz'), ('a', '//'), ('12345678', 'Zz'), ('123456789', 'Zz'),
         ('\uff30\uff41\uff53\uff53', 'zz'), ('p\u00e4ssw\u00f6rd', 'k9'), ('test', 'aa'), ('AaBbCcDdEe', '9.')]
json.dump([{'format': 'crypt-des', 'software': 'glibc libcrypt via Python ' + sys.version.split()[0] + ' crypt', 'stored': crypt.crypt(p, s), 'password': p} for p, s in cases],
          sys.stdout, ensure_ascii=False, indent=1)
