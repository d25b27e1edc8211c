/** An AbortSignal that fires on the first SIGTERM/SIGINT (clean stop after the current commit); a second one exits at once. */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    process.stderr.write(`kiln: ${sig}: stopping after the current commit (send again to exit now)\n`);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}
