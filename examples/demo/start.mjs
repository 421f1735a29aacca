// `npm run demo`: the kanmon demo app on the embedded defaults (funabashi preset,
// memory store, file audit log and a generated demo key under examples/demo/.data/,
// nothing outside this machine). Listens on 127.0.0.1:$PORT (3000).
import { fileURLToPath } from 'node:url';
import { createDemoApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3000);
const dataDir = fileURLToPath(new URL('./.data/', import.meta.url));
// Passkeys need a domain (not an IP) as RP ID: open http://localhost:PORT/ for them.
const { app, banner, close } = await createDemoApp({ now: () => Date.now(), dataDir, origin: `http://localhost:${port}` });
const server = app.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  process.stdout.write(`${banner}\n\nkanmon demo: http://127.0.0.1:${actual}/  (Ctrl+C で終了 / to stop)\n`);
});
const stop = () => server.close(() => void close().then(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
