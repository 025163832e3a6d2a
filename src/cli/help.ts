export const USAGE = `usage: etl run [FILE] [--param name=value]… [--database URL] [--quiet]
       etl validate [FILE]
       etl graph [FILE] [--format dot|mermaid]
run 'etl COMMAND --help' for details
`;

export const HELP = {
  main: `etl — a declarative ETL engine: CSV sources, SQL and TypeScript transforms, CSV sinks, on PostgreSQL.

${USAGE}
FILE defaults to ./pipeline.yaml. Exit codes: 0 done; 1 the data or a check failed;
2 the pipeline file or the command line is invalid.
`,
  run: `usage: etl run [FILE] [--param name=value]… [--database URL] [--quiet]

Validates FILE (default ./pipeline.yaml), runs its stages in dependency order and writes its
sinks. Outputs are written to temporary files and renamed into place only when everything
succeeded: a failed run leaves the previous outputs as they were.

  --param, -p name=value  override a parameter declared under params: (repeatable)
  --database URL          run the SQL on this PostgreSQL server (postgres://…) instead of the
                          embedded one; ETL_DATABASE_URL does the same
  --quiet, -q             print errors only

example: etl run pipeline.yaml --param data_dir=data/sample --param out_dir=out
`,
  validate: `usage: etl validate [FILE]

Checks the pipeline file and its stage graph without touching data or starting a database.
Every problem is listed as FILE:LINE:COL: message. Exit 0 when valid, 2 when not.

example: etl validate pipeline.yaml
`,
  graph: `usage: etl graph [FILE] [--format dot|mermaid]

Prints the stage graph: Graphviz DOT (default) or Mermaid.

example: etl graph pipeline.yaml --format mermaid
`,
} as const;
