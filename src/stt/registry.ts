/**
 * The engine registry: one entry per engine id, each building its engine from the configuration.
 * Adding an engine is one entry here and a module under `src/stt/<engine>/`.
 */
import type { Config } from '../config/config.js';
import type { EngineId } from '../config/engines.js';
import type { EngineCapabilities, EngineInfo, SttEngine } from './engine.js';
import type { HttpObserver } from './http/index.js';
import { createOpenAiEngine, type OpenAiEngineOptions } from './openai/engine.js';
import { createSpeechKitEngine } from './speechkit/engine.js';
import { describeSttConfig, type SpeechKitProviderOptions } from './speechkit/index.js';

/** What engines may share from the process: logging, metrics hooks, test tuning. */
export interface EngineDeps {
  logger?: SpeechKitProviderOptions['logger'];
  observer?: HttpObserver;
  /** SpeechKit's deployment-wide quota limiter. */
  speechKitLimiter?: SpeechKitProviderOptions['limiter'];
  /** Tuning of the SpeechKit client (tests pass short poll and retry delays). */
  speechKit?: SpeechKitProviderOptions;
  /** Tuning of the OpenAI-compatible clients (tests pass short retry delays). */
  openAi?: OpenAiEngineOptions;
}

/** The enabled engines of this deployment. */
export interface EngineRegistry {
  /** Id of the engine an upload without `engine` uses (`STT_DEFAULT_ENGINE`). */
  readonly defaultId: string;
  /** Enabled engines, in the configured order. */
  readonly engines: readonly SttEngine[];
  /** The enabled engine with this id, or undefined. */
  get(id: string): SttEngine | undefined;
}

/** Builds each engine id's engine; undefined when the engine is not configured. */
const ENTRIES: Record<EngineId, (config: Config, deps: EngineDeps) => SttEngine | undefined> = {
  speechkit: (config, deps) =>
    createSpeechKitEngine(config.stt, {
      logger: deps.logger,
      limiter: deps.speechKitLimiter,
      ...deps.speechKit,
      observer: deps.observer,
    }),
  openai: (config, deps) =>
    config.engines.openai &&
    createOpenAiEngine(
      { id: 'openai', name: 'Whisper (OpenAI-compatible)', demo: false },
      config.engines.openai,
      { logger: deps.logger, observer: deps.observer, ...deps.openAi },
    ),
  demo: (config, deps) =>
    config.engines.demo &&
    createOpenAiEngine({ id: 'demo', name: 'Demo', demo: true }, config.engines.demo, {
      logger: deps.logger,
      observer: deps.observer,
      ...deps.openAi,
    }),
};

/** Creates the registry of `config.engines.enabled`. Creating an engine sends nothing. */
export function createEngineRegistry(config: Config, deps: EngineDeps = {}): EngineRegistry {
  const engines = config.engines.enabled
    .map((id) => ENTRIES[id](config, deps))
    .filter((e): e is SttEngine => e !== undefined);
  const byId = new Map(engines.map((e) => [e.info.id, e]));
  return { defaultId: config.engines.defaultEngine, engines, get: (id) => byId.get(id) };
}

/** What the api tells clients about an engine (no clients are created for this). */
export interface EngineDescription extends EngineInfo {
  capabilities: EngineCapabilities;
}

/** Describes the enabled engines without creating HTTP clients (api process). */
export function describeEngines(config: Config): EngineDescription[] {
  return createEngineRegistry(config).engines.map((e) => ({
    ...e.info,
    capabilities: e.capabilities,
  }));
}

/** Health-endpoint view of one enabled engine; never contains secrets. */
export interface EngineHealth {
  id: string;
  /** False when the engine lacks what it needs to work (SpeechKit without credentials). */
  configured: boolean;
  /** Engine-specific, secret-free settings (URLs, model, auth kind). */
  [detail: string]: unknown;
}

/** Describes each enabled engine's configuration for the health endpoint (no network). */
export function describeEngineHealth(config: Config): EngineHealth[] {
  return config.engines.enabled.map((id): EngineHealth => {
    if (id === 'speechkit') return { id, ...describeSttConfig(config.stt) };
    const cfg = config.engines[id];
    return {
      id,
      configured: cfg !== undefined,
      url: cfg?.url,
      model: cfg?.model,
      auth: cfg?.apiKey ? 'bearer' : 'none',
    };
  });
}
