// `npm run coins -- grant USER N` tops a user up; `balance USER` shows it; `check` verifies the books.
// USER is a dev name (mapped like dev-token) or a user UUID. With the embedded database, stop the
// server first: the database serves one process at a time.
import { userIdFor } from '../adapters/auth/dev.js';
import { openLedger } from '../adapters/wiring.js';
import { loadConfig } from '../config.js';

const [command, user, amount] = process.argv.slice(2);
const usage = 'usage: npm run coins -- grant USER N | balance USER | check';
const config = loadConfig();
const ledger = await openLedger(config).catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
try {
  if (command === 'grant' && user && amount && /^\d+$/.test(amount) && Number(amount) > 0) {
    const balance = await ledger.grant(userIdFor(user), Number(amount), 'granted by coins CLI');
    process.stdout.write(`${user} (${userIdFor(user)}): balance ${balance}\n`);
  } else if (command === 'balance' && user) {
    process.stdout.write(`${user} (${userIdFor(user)}): balance ${await ledger.ensureProfile(userIdFor(user))}\n`);
  } else if (command === 'check') {
    const problems = await ledger.problems();
    for (const p of problems) process.stdout.write(`${p.userId}: ${p.problem}\n`);
    process.stdout.write(problems.length ? `${problems.length} problem(s)\n` : 'books are right: every balance equals its ledger\n');
    process.exitCode = problems.length ? 1 : 0;
  } else {
    process.stderr.write(`${usage}\n`);
    process.exitCode = 2;
  }
} finally {
  await ledger.close();
}
