// Whether a process id is still running: for files a process leaves behind (a lock, a spool dir) that
// the next one may take over once their owner is gone.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
