/** True if a process with this pid exists on this host (EPERM: it exists, owned by another user); lock files use it to spot stale owners. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
