import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Administration (../shared/API.md, "Administration and operations"): a user can be disabled
 * (`disabled_at`), the admin list shows the last login (`last_login_at`), and an audit event
 * names the admin who acted (`actor_id`; no foreign key, like the other ids of the audit log:
 * the record outlives the admin).
 */
export class Administration1796300000000 implements MigrationInterface {
  name = 'Administration1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "users" ADD "last_login_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "audit_events" ADD "actor_id" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_events" DROP COLUMN "actor_id"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "last_login_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "disabled_at"`);
  }
}
