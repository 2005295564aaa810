/** Placeholder until the command lands. */
export async function run(_args: string[]): Promise<number> {
  process.stderr.write("mturk-bonus: this command is not built yet\n");
  return 2;
}
