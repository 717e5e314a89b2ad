/**
 * MikroORM CLI configuration (e.g. `npx mikro-orm schema:update --dump` to inspect a diff), built
 * from the same validated environment as the service. Migrations go through `npm run migrate`
 * and `npm run migrate:create` (`src/db/migrate-cli.ts`), which add the lock and the adoption.
 */
import { loadConfig } from './src/config/config.js';
import { ormOptions } from './src/db/orm.js';

export default await ormOptions(loadConfig());
