/**
 * MikroORM CLI configuration (e.g. `npx mikro-orm schema:update --dump`), built from the same
 * validated environment as the service.
 */
import { loadConfig } from './src/config/config.js';
import { ormOptions } from './src/db/orm.js';

export default await ormOptions(loadConfig());
