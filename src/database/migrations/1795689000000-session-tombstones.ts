import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions outlive their user: deleting a user revokes its sessions and sets their user_id to
 * NULL instead of deleting them, so the revocations stay in the table (and in every instance's
 * reload) until the purge removes them like any other ended session.
 */
export class SessionTombstones1795689000000 implements MigrationInterface {
  name = 'SessionTombstones1795689000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_sessions_user_id"`);
    await queryRunner.query(`ALTER TABLE "sessions" ALTER COLUMN "user_id" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The old schema cannot hold a session without a user; such rows are revoked leftovers of
    // deleted users, and the old code cascaded them away anyway.
    await queryRunner.query(`DELETE FROM "sessions" WHERE "user_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_sessions_user_id"`);
    await queryRunner.query(`ALTER TABLE "sessions" ALTER COLUMN "user_id" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE`,
    );
  }
}
