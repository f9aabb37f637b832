-- Version 6 changes PostgreSQL's indexes only (see its 0006_lean_indexes.sql): SQLite updates only the
-- index entries whose columns or partial-index predicate an UPDATE changes, so its listing indexes
-- cost a claim or an outcome nothing but the state index. Kept so both stores share version numbers.
SELECT 1;
