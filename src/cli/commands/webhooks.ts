/**
 * `kazru webhooks list|create URL|delete ID|rotate ID`: your webhook endpoints. The signing
 * secret (`whsec_…`) of `create` and `rotate` is printed once; store it.
 */
import { enumValue, type CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import type {
  CliCreateWebhookMutation,
  CliCreateWebhookMutationVariables,
  CliDeleteWebhookMutation,
  CliDeleteWebhookMutationVariables,
  CliEndpointFieldsFragment,
  CliRotateWebhookMutation,
  CliRotateWebhookMutationVariables,
  CliWebhooksQuery,
  WebhookEventType,
} from '../generated/graphql.js';
import { CREATE_WEBHOOK, DELETE_WEBHOOK, ROTATE_WEBHOOK, WEBHOOKS } from '../operations.js';
import { details, printJson, table, when } from '../output.js';

const EVENTS: readonly WebhookEventType[] = [
  'JOB_COMPLETED',
  'JOB_FAILED',
  'JOB_CANCELLED',
  'JOB_EXPIRED',
  'TRANSCRIPT_EDITED',
];

/** `job.completed` for JOB_COMPLETED: the names payloads carry. */
const eventName = (e: WebhookEventType) => e.toLowerCase().replace('_', '.');

/** `webhooks list`. */
export async function listWebhooks(ctx: CommandContext): Promise<ExitCode> {
  const { webhookEndpoints } = await ctx.api.request<CliWebhooksQuery>(WEBHOOKS);
  if (ctx.out.json) {
    printJson(ctx.out, { endpoints: webhookEndpoints });
    return EXIT.OK;
  }
  ctx.out.write(
    table(
      ['ID', 'ENABLED', 'EVENTS', 'CREATED', 'URL'],
      webhookEndpoints.map((e) => [
        e.id,
        e.enabled ? 'yes' : `no (${e.disabledReason ?? 'disabled'})`,
        e.events.map(eventName).join(','),
        when(e.createdAt),
        e.url,
      ]),
    ),
  );
  return EXIT.OK;
}

/** `webhooks create URL [--events job.completed,…] [--description …]`. */
export async function createWebhook(
  ctx: CommandContext,
  url: string,
  flags: { events?: string; description?: string },
): Promise<ExitCode> {
  const vars: CliCreateWebhookMutationVariables = {
    url,
    events: flags.events
      ? flags.events.split(',').map((e) => enumValue('--events', e, EVENTS))
      : null,
    description: flags.description ?? null,
  };
  const { createWebhookEndpoint: r } = await ctx.api.request<
    CliCreateWebhookMutation,
    CliCreateWebhookMutationVariables
  >(CREATE_WEBHOOK, vars);
  printSecret(ctx, r.endpoint, r.secret);
  return EXIT.OK;
}

/** `webhooks delete ID`. */
export async function deleteWebhook(ctx: CommandContext, id: string): Promise<ExitCode> {
  const { deleteWebhookEndpoint: deleted } = await ctx.api.request<
    CliDeleteWebhookMutation,
    CliDeleteWebhookMutationVariables
  >(DELETE_WEBHOOK, { id });
  if (!deleted) {
    throw new CliError(EXIT.NOT_FOUND, `No webhook endpoint with id ${id}.`, 'NOT_FOUND');
  }
  if (ctx.out.json) printJson(ctx.out, { deleted: true, id });
  else ctx.out.write(`Webhook endpoint ${id} deleted.\n`);
  return EXIT.OK;
}

/** `webhooks rotate ID`: a new secret; the old one keeps signing for 24 h. */
export async function rotateWebhook(ctx: CommandContext, id: string): Promise<ExitCode> {
  const { rotateWebhookSecret: r } = await ctx.api.request<
    CliRotateWebhookMutation,
    CliRotateWebhookMutationVariables
  >(ROTATE_WEBHOOK, { id });
  printSecret(ctx, r.endpoint, r.secret);
  return EXIT.OK;
}

function printSecret(ctx: CommandContext, endpoint: CliEndpointFieldsFragment, secret: string) {
  if (ctx.out.json) {
    printJson(ctx.out, { endpoint, secret });
    return;
  }
  ctx.out.write(
    details([
      ['Endpoint', endpoint.id],
      ['URL', endpoint.url],
      ['Events', endpoint.events.map(eventName).join(', ')],
      ['Old secret valid until', when(endpoint.previousSecretExpiresAt)],
      ['Secret', secret],
    ]),
  );
  ctx.out.write('Store the secret now: it is not shown again.\n');
}
