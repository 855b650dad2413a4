/**
 * Runs `task` now and then again `intervalMs` after each run ends (never two at once, so a slow
 * read cannot pile up), until stop(), which awaits the last run and then runs `task` once more.
 * A failed run ends the loop; stop() rethrows its error.
 */
export function repeat(task, intervalMs) {
  let stopped = false;
  let timer;
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      await task();
      await new Promise((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
    }
  })();
  loop.catch(() => {}); // observed by stop()
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake();
      await loop;
      await task();
    },
  };
}
