/**
 * Reads the queue settings of examples/queue-worker/wrangler.toml into
 * Miniflare's options, so the test runs the configuration the README
 * shows. Only the TOML this file uses: tables, arrays of tables, and
 * `key = "string" | number` lines.
 */
import { readFileSync } from "node:fs";

type Table = Record<string, string | number>;

/** `[name]` and `[[name]]` sections, each a list of tables. */
export function parseToml(text: string): Record<string, Table[]> {
  const sections: Record<string, Table[]> = { "": [{}] };
  let current = sections[""]![0]!;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const header = /^\[\[?([A-Za-z0-9_.-]+)\]\]?$/.exec(line);
    if (header !== null) {
      current = {};
      sections[header[1]!] ??= [];
      sections[header[1]!]!.push(current);
      continue;
    }
    const pair = /^([A-Za-z0-9_]+)\s*=\s*(".*"|-?\d+(?:\.\d+)?)$/.exec(line);
    if (pair === null) throw new Error(`wrangler.toml: cannot read ${JSON.stringify(line)}`);
    current[pair[1]!] = pair[2]!.startsWith('"') ? (JSON.parse(pair[2]!) as string) : Number(pair[2]);
  }
  return sections;
}

export interface QueueConfig {
  queueProducers: Record<string, string>;
  queueConsumers: Record<
    string,
    { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number; deadLetterQueue?: string }
  >;
  /** `max_concurrency` per consumer queue: Miniflare runs one batch at a time, so it is only checked, not applied. */
  maxConcurrency: Record<string, number>;
  compatibilityDate: string;
}

export function readQueueConfig(path: string): QueueConfig {
  const toml = parseToml(readFileSync(path, "utf8"));
  const config: QueueConfig = {
    queueProducers: {},
    queueConsumers: {},
    maxConcurrency: {},
    compatibilityDate: String(toml[""]![0]!.compatibility_date),
  };
  for (const producer of toml["queues.producers"] ?? [])
    config.queueProducers[String(producer.binding)] = String(producer.queue);
  for (const consumer of toml["queues.consumers"] ?? []) {
    const queue = String(consumer.queue);
    config.queueConsumers[queue] = {
      ...(consumer.max_batch_size === undefined ? {} : { maxBatchSize: Number(consumer.max_batch_size) }),
      ...(consumer.max_batch_timeout === undefined ? {} : { maxBatchTimeout: Number(consumer.max_batch_timeout) }),
      ...(consumer.max_retries === undefined ? {} : { maxRetries: Number(consumer.max_retries) }),
      ...(consumer.dead_letter_queue === undefined ? {} : { deadLetterQueue: String(consumer.dead_letter_queue) }),
    };
    if (consumer.max_concurrency !== undefined) config.maxConcurrency[queue] = Number(consumer.max_concurrency);
  }
  return config;
}
