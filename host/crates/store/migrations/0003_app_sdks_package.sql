-- shelfgate store, schema 3.
--
-- Recording a submission replaces the app's rows in `app_sdks`, whose key
-- starts with the SDK id: without an index on the package, each
-- submission scanned the whole table, and a 320,000-app import went
-- quadratic (measured: 2,300 apps/min at 130,000 apps, falling).

CREATE INDEX app_sdks_package ON app_sdks (package);
