// name: policy_citations
// description: Policies (《…》) by how often they are cited, with their issuer, year and document
// description: number where known, the citing documents and tasks (sorted ids); one policy by id,
// description: title or alias, or all of them.
// param: policy (string, default null) — policy id, title or alias (all policies when absent)
// param: limit (integer, default 50) — at most this many policies
MATCH (p:Policy)
WHERE $policy IS NULL OR p.id = $policy OR p.title = $policy OR $policy IN coalesce(p.aliases, [])
MATCH (x)-[c:CITES]->(p)
WITH p, c.doc AS doc, CASE WHEN x:Task THEN x.id ELSE null END AS task
ORDER BY doc, task
WITH p, count(*) AS citations, collect(DISTINCT doc) AS documents, collect(DISTINCT task) AS tasks
RETURN p.id AS policy, p.title AS title, p.issuer AS issuer, p.year AS year, p.doc_number AS doc_number,
       citations, size(documents) AS document_count, documents, tasks
ORDER BY citations DESC, document_count DESC, policy
LIMIT $limit
