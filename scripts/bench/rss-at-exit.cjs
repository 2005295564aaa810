// Preloaded (`node --require`) into every one-shot child: reports the process's peak RSS as it exits.
process.on("exit", () => {
  process.stderr.write(`\nPEAK_RSS ${process.resourceUsage().maxRSS * 1024}\n`);
});
