<?php
// PHP password_hash() at its defaults ($2y$ cost 10, $argon2id$ m=65536,t=4,p=1); run by make.sh.
$ascii = 'Correct-Horse-7';
$full = "\u{FF30}\u{FF41}\u{FF53}\u{FF53}\u{FF57}\u{FF4F}\u{FF52}\u{FF44}\u{FF11}\u{FF12}\u{FF13}\u{FF01}";
$v = 'PHP ' . PHP_VERSION . ' password_hash';
$out = [
  ['format' => 'bcrypt', 'software' => $v, 'stored' => password_hash($ascii, PASSWORD_BCRYPT), 'password' => $ascii],
  ['format' => 'argon2id', 'software' => $v, 'stored' => password_hash($ascii, PASSWORD_ARGON2ID), 'password' => $ascii],
  ['format' => 'argon2id', 'software' => $v, 'stored' => password_hash($full, PASSWORD_ARGON2ID), 'password' => $full],
  // crypt(3) traditional DES, as old PHP/Perl systems stored it
  ['format' => 'crypt-des', 'software' => 'PHP ' . PHP_VERSION . ' crypt', 'stored' => crypt($ascii, 'ab'), 'password' => $ascii],
];
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT);
