{#-
    Data tests after an incremental refresh read only the rows no build has verified yet.

    A build that ran every node of the project and in which every test passed (warnings aside)
    records, at its end (on-run-end, record_verified_build), the load it verified up to: its
    generation and last lines, and a hash of each small table (users, stages, activity types,
    fields, field options, the funnel mapping). The rows of the deal log, of the activities and of
    the models built row by row from them (model meta `refresh_lines`: the line column of each raw
    table) never change once loaded: a delta appends rows, and a changed activity is a new row
    with a new line number. So a data test of such a model need only read the rows after the
    verified lines, when:
    - the raw tables come from the loader and the last verified build has the same generation
      (no full load since);
    - the funnel mapping, stages and field options are unchanged since (their hashes: they decide
      the incremental models' rows), and every other relation the test reads is either a small
      table unchanged since, or a model whose rows are only ever appended (meta
      `refresh_append_only`: the deal log's);
    - the build is not a --full-refresh;
    - the test does not ask to read every row (meta `test_every_row`: the tests that check that
      replaced activity rows are gone), sets no `where` of its own, and is an error: a warning
      counts every row it finds, after a refresh as after a full build.
    Otherwise, and always in dbt seed mode, a test reads every row. Singular tests (tests/) read
    every row. A build with --select or --exclude, or that leaves out a resource type other than
    the unit tests, verifies nothing.
-#}

{% macro postgres__get_where_subquery(relation) -%}
    {#- dbt's macro (dispatched to the root project first), with the refresh scope as a default
        `where` -#}
    {%- set where = config.get('where') or refresh_test_scope(relation) -%}
    {%- if where -%}
        {{- return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -}}
    {%- endif -%}
    {{- return(relation) -}}
{%- endmacro %}


{% macro verified_small_relations() -%}
    {#- The small tables a build's verification depends on, by node name -#}
    {{- return([
        'stg_pipedrive__users', 'stg_pipedrive__stages', 'stg_pipedrive__activity_types',
        'stg_pipedrive__fields', 'stg_pipedrive__field_options', 'funnel_steps',
    ]) -}}
{%- endmacro %}


{% macro graph_node_of(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type in ('model', 'seed') and node.relation_name == (relation | string) -%}
            {{- return(node) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(none) -}}
{%- endmacro %}


{% macro small_relation_hashes_sql(names) -%}
    {#- SQL: a JSON object of the md5 of the rows of each named small table, by node name -#}
    {%- set pairs = [] -%}
    {%- for node in graph.nodes.values() if node.name in names and node.resource_type in ('model', 'seed') -%}
        {%- do pairs.append(sql_string_literal(node.name) ~ ', ' ~ rows_md5_sql(node.relation_name)) -%}
    {%- endfor -%}
    {{- return("json_build_object(" ~ pairs | join(', ') ~ ")::text") -}}
{%- endmacro %}


{% macro refresh_test_scope(relation) -%}
    {#- The condition on the tested relation's rows for this test (see above), or none -#}
    {%- if not execute or var('raw_source', 'seeds') != 'loader' or model.resource_type != 'test'
        or flags.FULL_REFRESH -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if (config.get('meta') or {}).get('test_every_row') or (config.get('severity') or '') | lower == 'warn' -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set tested = graph_node_of(relation) -%}
    {%- set lines = (tested.config.meta or {}).get('refresh_lines') if tested is not none else none -%}
    {%- if not lines -%}
        {{- return(none) -}}
    {%- endif -%}
    {#- the incremental models' inputs decide their rows: unchanged, or every row is new -#}
    {%- set small = incremental_input_names() -%}
    {%- for dependency in model.depends_on.nodes if dependency != tested.unique_id -%}
        {%- set node = graph.nodes.get(dependency) -%}
        {%- if node is none -%}
            {{- return(none) -}}
        {%- elif node.name in verified_small_relations() -%}
            {%- if node.name not in small -%}{%- do small.append(node.name) -%}{%- endif -%}
        {%- elif not (node.config.meta or {}).get('refresh_append_only') -%}
            {{- return(none) -}}
        {%- endif -%}
    {%- endfor -%}
    {%- set latest = last_load_taken_in(state_of='(verified build)') -%}
    {%- if latest is string or latest.state is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set verified = latest.state -%}
    {%- if verified.generation != latest.generation -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.name in small and node.resource_type in ('model', 'seed') -%}
        {%- if adapter.get_relation(node.database, node.schema, node.alias) is none -%}
            {{- return(none) -}}
        {%- endif -%}
    {%- endfor -%}
    {%- set now = fromjson(run_query('select ' ~ small_relation_hashes_sql(small)).rows[0][0]) -%}
    {%- set then = fromjson(verified.inputs_hash) -%}
    {%- for name in small -%}
        {%- if now.get(name) != then.get(name) -%}
            {{- return(none) -}}
        {%- endif -%}
    {%- endfor -%}
    {%- set conditions = [] -%}
    {%- for table_name, column in lines.items() -%}
        {%- set last = verified.last_lines.get(table_name) -%}
        {%- if last is none -%}
            {{- return(none) -}}
        {%- endif -%}
        {%- do conditions.append(adapter.quote(column) ~ ' > ' ~ (last | int)) -%}
    {%- endfor -%}
    {{- return(conditions | join(' or ')) -}}
{%- endmacro %}


{% macro record_verified_build(results) -%}
    {{- return(adapter.dispatch('record_verified_build')(results)) -}}
{%- endmacro %}

{% macro default__record_verified_build(results) -%}
    {#- on-run-end: a whole build whose every node succeeded records what it verified. In dbt seed
        mode, whatever the command, every state is forgotten: dbt seed may have refilled the raw
        tables with lines numbered again, which no state of a load describes. -#}
    {%- if not execute -%}
        {{- return('') -}}
    {%- elif var('raw_source', 'seeds') != 'loader' -%}
        {{- return('delete from ' ~ incremental_state_relation()) -}}
    {%- elif flags.WHICH != 'build' -%}
        {{- return('') -}}
    {%- endif -%}
    {#- leaving out the unit tests (make build EXPORT=DIR does) verifies as much: they read no data -#}
    {%- set excluded = invocation_args_dict.get('exclude_resource_types') or [] -%}
    {%- set whole = not (
        invocation_args_dict.get('select') or invocation_args_dict.get('exclude')
        or invocation_args_dict.get('selector') or invocation_args_dict.get('resource_types')
        or excluded | reject('equalto', 'unit_test') | list
    ) -%}
    {%- set passed = results | rejectattr('status', 'in', ['success', 'pass', 'warn', 'no-op']) | list | length == 0 -%}
    {%- if not (whole and passed) -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set latest = last_load_taken_in(small_relation_hashes_sql(verified_small_relations())) -%}
    {%- if latest is string -%}
        {{- return('') -}}
    {%- endif -%}
    {{ upsert_incremental_state('(verified build)', latest, latest.inputs_hash) }}
{%- endmacro %}

{% macro spark__record_verified_build(results) -%}
    {#- nothing: the models rebuild in full on Spark: nothing to record. -#}
{%- endmacro %}

