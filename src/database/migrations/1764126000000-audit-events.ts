import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1764126000000 implements MigrationInterface {
  name = 'AuditEvents1764126000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_events" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "type" character varying(32) NOT NULL,
        "user_id" uuid,
        "session_id" uuid,
        "ip" character varying(64),
        "user_agent" character varying(512),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_audit_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_created_at" ON "audit_events" ("created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_user_id_created_at" ON "audit_events" ("user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_audit_events_type_created_at" ON "audit_events" ("type", "created_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
