-- Backups must restore. pg_dump/pg_restore run with an empty search_path, so a
-- function that calls another function or names a table without its schema (as
-- decant_slugs() calls decant_slug() for the generated note_slugs column) fails
-- in the middle of a restore. Pinning each function's search_path makes every
-- function find its own schema whoever calls it (also the safer setting).
-- Functions added by later migrations should say `SET search_path = public,
-- pg_catalog` themselves (tests/test_backups.py's restore drill catches those that don't).

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure
          FROM pg_proc p
          JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'
           AND p.prokind IN ('f', 'p')
           AND p.proconfig IS NULL
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s SET search_path = public, pg_catalog', fn);
    END LOOP;
END
$$;
