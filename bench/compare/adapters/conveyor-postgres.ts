/** Conveyor on PostgreSQL: each instance in a fresh schema, migrated by the store and dropped on close. */
import { analyzeSchema, checkPostgres, dropSchema, freshSchemaName } from '../postgres-admin.js';
import type { Environment, SystemDefinition } from '../system.js';
import { ConveyorSystem } from './conveyor.js';

function storeUrl(environment: Environment, schema: string): string {
  const url = new URL(environment.postgresUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export const conveyorPostgres: SystemDefinition = {
  name: 'Conveyor-PostgreSQL',
  family: 'postgres',
  multiProcess: true,
  check: (environment) => checkPostgres(environment.postgresUrl),
  async create(environment) {
    const schema = freshSchemaName(environment.postgresUrl, 'conveyor');
    try {
      return await ConveyorSystem.open({
        location: schema,
        storeUrl: storeUrl(environment, schema),
        remove: () => dropSchema(environment.postgresUrl, schema),
        analyze: () => analyzeSchema(environment.postgresUrl, schema),
      });
    } catch (error) {
      await dropSchema(environment.postgresUrl, schema);
      throw error;
    }
  },
  async attach(environment, schema) {
    return ConveyorSystem.open({ location: schema, storeUrl: storeUrl(environment, schema) });
  },
};
