// Preloaded into a benchmarked server (`node --import`): answers "cpu" messages on the
// IPC channel with the process's own CPU time, so the harness can divide it by requests.
process.on("message", (message) => {
  if (message === "cpu")
    process.send?.({
      cpu: process.cpuUsage(),
      statements: globalThis.__benchCounter?.statements ?? null,
    });
});
process.channel?.unref();
