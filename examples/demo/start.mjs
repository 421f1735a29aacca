// `npm run demo`: the kanmon demo app on the embedded defaults (funabashi preset,
// memory state, nothing outside this machine). Listens on 127.0.0.1:$PORT (3000).
import { createDemoApp } from './app.mjs';

const port = Number(process.env.PORT ?? 3000);
const { app, banner } = await createDemoApp({ now: () => Date.now() });
const server = app.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  process.stdout.write(`${banner}\n\nkanmon demo: http://127.0.0.1:${actual}/  (Ctrl+C で終了 / to stop)\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
