/**
 * Configuration of the speech engines: which are enabled, which is the default, and the
 * OpenAI-compatible engine's server. Part of {@link loadConfig} (`src/config/config.ts`), split
 * out to keep each file about one concern. Every variable is documented in README.md.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Engine ids a deployment can enable. */
export const ENGINE_IDS = ['speechkit', 'openai', 'demo'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const optionalUrl = optionalString.pipe(z.url({ protocol: /^https?$/ }).optional());
const int = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

/** The environment variables of the engines, merged into the main schema. */
export const ENGINE_ENV = {
  /** Comma list of engines to enable (default: every engine that is configured). */
  STT_ENGINES: optionalString,
  /** Engine used when an upload names none (default: the first enabled of speechkit, openai, demo). */
  STT_DEFAULT_ENGINE: optionalString,
  /** Base URL of an OpenAI-compatible transcription server, e.g. `http://localhost:8080/v1`. */
  OPENAI_STT_URL: optionalUrl,
  OPENAI_STT_API_KEY: optionalString,
  OPENAI_STT_MODEL: z.string().trim().min(1).default('whisper-1'),
  /** Largest request body the server takes, bytes (OpenAI and vLLM: 25 MiB). */
  OPENAI_STT_MAX_REQUEST_BYTES: int(25 * MiB, 64 * 1024),
  /** Longest piece of audio sent in one request, seconds. */
  OPENAI_STT_MAX_CHUNK_SECONDS: int(300, 5),
  /** Requests in flight per job (whisper.cpp serves one at a time). */
  OPENAI_STT_CONCURRENCY: int(1, 1).refine((n) => n <= 16, 'at most 16'),
  /** Seconds one request may take before it is retried. */
  OPENAI_STT_TIMEOUT_SECONDS: int(600, 1),
  /** `diarized_json`: the server labels speakers (`response_format=diarized_json`); `none`: it cannot. */
  OPENAI_STT_DIARIZATION: z.enum(['none', 'diarized_json']).default('none'),
  /**
   * How the server detects the language when several are allowed: `auto` sends `language=auto`
   * (whisper.cpp), `omit` leaves the field out (OpenAI, speaches detect then), `none`: the server
   * cannot detect (vLLM defaults to English), so each whitelisted language is tried.
   */
  OPENAI_STT_LANGUAGE_DETECTION: z.enum(['auto', 'omit', 'none']).default('auto'),
  /** Base URL of the bundled demo server (`scripts/start.sh` starts it); enables the `demo` engine. */
  DEMO_STT_URL: optionalUrl,
};

/** Parsed values of {@link ENGINE_ENV}. */
export type EngineEnv = z.infer<z.ZodObject<typeof ENGINE_ENV>>;

/** The OpenAI-compatible engine's settings (also used by `demo`, pointed at the bundled server). */
export interface OpenAiEngineConfig {
  /** Base URL without a trailing slash; requests go to `${url}/audio/transcriptions`. */
  url: string;
  apiKey?: string;
  model: string;
  /** Bytes. */
  maxRequestBytes: number;
  /** Seconds. */
  maxChunkSeconds: number;
  concurrency: number;
  /** Milliseconds per request attempt. */
  timeoutMs: number;
  diarization: 'none' | 'diarized_json';
  languageDetection: 'auto' | 'omit' | 'none';
}

/** Which engines run and how. */
export interface EnginesConfig {
  enabled: EngineId[];
  defaultEngine: EngineId;
  openai?: OpenAiEngineConfig;
  demo?: OpenAiEngineConfig;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * Resolves the engines from parsed variables. `speechKitConfigured` is true when SpeechKit
 * credentials are set.
 * @returns the config and a list of problems (`  VAR: why`), empty when valid.
 */
export function resolveEngines(
  e: EngineEnv,
  speechKitConfigured: boolean,
): { engines: EnginesConfig; problems: string[] } {
  const problems: string[] = [];
  const configured: EngineId[] = [];
  if (speechKitConfigured) configured.push('speechkit');
  if (e.OPENAI_STT_URL) configured.push('openai');
  if (e.DEMO_STT_URL) configured.push('demo');
  let enabled: EngineId[];
  if (e.STT_ENGINES) {
    const names = e.STT_ENGINES.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(ENGINE_IDS as readonly string[]).includes(n));
    if (unknown.length > 0) {
      problems.push(
        `  STT_ENGINES: unknown engine ${unknown.join(', ')}; use ${ENGINE_IDS.join(', ')}`,
      );
    }
    enabled = [...new Set(names.filter((n): n is EngineId => !unknown.includes(n)))];
    if (enabled.includes('openai') && !e.OPENAI_STT_URL) {
      problems.push(
        '  STT_ENGINES: openai is enabled but OPENAI_STT_URL is not set (e.g. http://localhost:8080/v1)',
      );
    }
    if (enabled.includes('demo') && !e.DEMO_STT_URL) {
      problems.push(
        '  STT_ENGINES: demo is enabled but DEMO_STT_URL is not set (scripts/start.sh sets it)',
      );
    }
  } else {
    // Nothing configured: SpeechKit stays enabled (jobs fail STT_AUTH_FAILED until credentials are set).
    enabled = configured.length > 0 ? configured : ['speechkit'];
  }
  if (enabled.length === 0) problems.push('  STT_ENGINES: enable at least one engine');
  let defaultEngine = enabled[0] ?? 'speechkit';
  if (e.STT_DEFAULT_ENGINE) {
    if (!(enabled as string[]).includes(e.STT_DEFAULT_ENGINE)) {
      problems.push(
        `  STT_DEFAULT_ENGINE: ${e.STT_DEFAULT_ENGINE} is not enabled; enabled: ${enabled.join(', ') || 'none'}`,
      );
    } else defaultEngine = e.STT_DEFAULT_ENGINE as EngineId;
  }
  const openAi = (url: string, apiKey: string | undefined): OpenAiEngineConfig => ({
    url: trimSlash(url),
    apiKey,
    model: e.OPENAI_STT_MODEL,
    maxRequestBytes: e.OPENAI_STT_MAX_REQUEST_BYTES,
    maxChunkSeconds: e.OPENAI_STT_MAX_CHUNK_SECONDS,
    concurrency: e.OPENAI_STT_CONCURRENCY,
    timeoutMs: e.OPENAI_STT_TIMEOUT_SECONDS * 1000,
    diarization: e.OPENAI_STT_DIARIZATION,
    languageDetection: e.OPENAI_STT_LANGUAGE_DETECTION,
  });
  return {
    problems,
    engines: {
      enabled,
      defaultEngine,
      ...(e.OPENAI_STT_URL && enabled.includes('openai')
        ? { openai: openAi(e.OPENAI_STT_URL, e.OPENAI_STT_API_KEY) }
        : {}),
      // The bundled demo server detects with language=auto and answers in whisper.cpp's shape.
      ...(e.DEMO_STT_URL && enabled.includes('demo')
        ? { demo: { ...openAi(e.DEMO_STT_URL, undefined), languageDetection: 'auto' as const } }
        : {}),
    },
  };
}
