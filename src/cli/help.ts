export const USAGE = `usage: etl run [FILE] [--param name=value]… [--select SELECTOR]… [--database URL] [--quiet|--verbose]
       etl validate [FILE] [--param name=value]…
       etl plan [FILE] [--param name=value]… [--select SELECTOR]…
       etl graph [FILE] [--format dot|mermaid] [--run DIR]
       etl test [DIR] [--update] [--database URL]
       etl guess FILE.csv
       etl report DIR… [--out FILE]
run 'etl COMMAND --help' for details
`;

export const HELP = {
  main: `etl — a declarative ETL engine: CSV sources, SQL and TypeScript transforms, CSV sinks, on PostgreSQL.

${USAGE}
FILE defaults to ./pipeline.yaml. Exit codes: 0 done; 1 the data or a check failed;
2 the pipeline file or the command line is invalid.
`,
  run: `usage: etl run [FILE] [--param name=value]… [--select SELECTOR]… [--database URL] [--quiet|--verbose]

Validates FILE (default ./pipeline.yaml), runs its stages in dependency order and writes its
sinks. Outputs are written to temporary files and renamed into place only when everything
succeeded: a failed run leaves the previous outputs as they were. A pipeline with report: also
gets an HTML page of the run; when the data or a check fails, that page is written under the
system's temporary folder instead (mode 0600) and the last line of the error names it.

  --param, -p name=value  override a parameter declared under params: (repeatable)
  --select, -s SELECTOR   run only what the selected sinks need: name, +name (with everything
                          upstream), name+ (with everything downstream); repeatable
  --database URL          run the SQL on this PostgreSQL server (postgres://…) instead of the
                          embedded one; ETL_DATABASE_URL does the same
  --quiet, -q             print only errors and warnings
  --verbose, -v           also print when each stage starts

example: etl run pipeline.yaml --param data_dir=data/sample --param out_dir=out --select +outbound_csv
`,
  validate: `usage: etl validate [FILE] [--param name=value]…

Checks the pipeline file and its stage graph without touching data or starting a database.
Every problem is listed as FILE:LINE:COL: message. Exit 0 when valid, 2 when not.

example: etl validate pipeline.yaml
`,
  plan: `usage: etl plan [FILE] [--param name=value]… [--select SELECTOR]…

A dry run: the resolved parameters, the stages in the order a run takes them, what each reads
and writes, the checks and the manifest. Touches no data and starts no database.

example: etl plan pipeline.yaml --param out_dir=/tmp/out --select deletions_csv
`,
  graph: `usage: etl graph [FILE] [--format dot|mermaid] [--run DIR] [--param name=value]…

Prints the stage graph: Graphviz DOT (default) or Mermaid, each stage drawn by its kind.
With --run DIR (a finished run's output folder), each edge is labelled with the rows that
went along it, from the run's manifest.

example: etl graph pipeline.yaml --format mermaid --run out
`,
  test: `usage: etl test [DIR] [--update] [--database URL]

Runs golden cases: DIR (default test/golden) holds one folder per case, each with a pipeline,
its inputs, and expected/ (the exact files the run must write under out/) or expected-error.txt
and expected-exit. Prints a unified diff for every mismatch; exit 1 if any case fails. HTML
reports are not compared (their manifest is); a failed run's report named in the error must exist.
--update rewrites the expected files from what the runs did: review the diff before committing.

example: etl test test/golden
`,
  report: `usage: etl report DIR… [--out FILE]

Reads the manifests of finished runs (their output folders, or manifest files) and writes one
self-contained HTML page: a chart per measure over the runs, the runs in chain order with links
to their own reports, and a warning wherever a run did not read the state the run before it
wrote (the SHA-256 of its inputs against that run's outputs). Exit 1 when the chain is broken
(the page is written all the same).

  --out, -o FILE   where the page goes (default ./runs.html)

example: etl report out/setup out/day-* --out out/runs.html
`,
  guess: `usage: etl guess FILE.csv

Reads the beginning of a CSV file and prints a ready sources: block: encoding (UTF-8 or CP932),
delimiter, header, and a type per column (including wareki dates and 住民票コード).

example: etl guess data/sample/history.csv
`,
} as const;
