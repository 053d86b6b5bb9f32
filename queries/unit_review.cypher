// name: unit_review
// description: Canonical units for review: each surface form with how often it was seen, parents
// description: (PART_OF), the documents that name them; optionally only units whose name or an alias contains a text.
// param: contains (string, default "") — substring of the name or an alias (all units when empty)
MATCH (u:Unit)
WHERE $contains = '' OR u.name CONTAINS $contains
   OR any(alias IN coalesce(u.aliases, []) WHERE alias CONTAINS $contains)
OPTIONAL MATCH (u)-[:PART_OF]->(p)
WITH u, p
ORDER BY coalesce(p.name, '')
WITH u, collect(DISTINCT p.name) AS parents
OPTIONAL MATCH (:Document)-[m:MENTIONS]->(u)
WITH u, parents, m.text AS form, count(m) AS seen
ORDER BY form
// count(), not sum(): FalkorDB's sum() of integers is a float, Neo4j's an integer
WITH u, parents,
     [x IN collect(CASE WHEN form IS NULL THEN NULL ELSE form + ' ×' + toString(seen) END) WHERE x IS NOT NULL] AS forms
OPTIONAL MATCH (d:Document)-[:MENTIONS]->(u)
WITH u, parents, forms, d
ORDER BY coalesce(d.id, '')
WITH u, parents, forms, collect(DISTINCT d.id) AS documents
OPTIONAL MATCH (:Document)-[m2:MENTIONS]->(u)
WITH u, parents, forms, documents, count(m2) AS mentions
RETURN u.id AS unit_id, u.name AS unit, u.kind AS kind, u.level AS level,
       u.jurisdiction AS jurisdiction, forms AS aliases, parents, documents, mentions
ORDER BY unit_id
