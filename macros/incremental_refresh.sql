{#-
    Incremental refreshes: what an incremental model still has to take in, and when it must
    rebuild in full. The loader logs every load in the raw schema (`pipedrive_loads`: full or
    delta, and the last line number of deal_changes and activity after it) and keeps the activity
    rows a delta replaced (`activity__replaced`, with the load that replaced them); a delta's rows
    are numbered after every line held, so the rows after the last line a model took in are
    exactly the rows it has not seen. Each incremental model records, in the same transaction as
    its rows (post-hook finish_incremental_refresh), the generation (the last full load), the last
    load and the last lines it took in, and a hash of the small tables its columns depend on, in
    `<target schema>.dbt_incremental_state`.

    A model rebuilds in full (should_full_refresh) when:
    - dbt build --full-refresh, or the table does not exist yet;
    - the raw tables come from dbt seed (var raw_source: seeds: a seed reload numbers its lines
      again), or the loader's log is missing;
    - a full load came after the model's last refresh (a new generation of line numbers);
    - the funnel mapping, the stages or the field options changed (the hash: an old row's funnel
      step or known stage may have changed);
    - its state is missing (a table built by another version of the project).
    Otherwise it takes in the window of rows past its state, up to the last load that ended before
    the build claimed the database (macros/build_claim.sql, by the server's clock), so that a load
    during the build waits for the next one.
-#}

{% macro incremental_config(retract_column=none, retract=none, line_columns=[], unique_key=none) -%}
    {{- return(adapter.dispatch('incremental_config')(retract_column, retract, line_columns, unique_key)) -}}
{%- endmacro %}

{% macro spark__incremental_config(retract_column, retract, line_columns, unique_key) -%}
    {#- On Spark the incremental models are tables rebuilt in full: the refresh reads the
        loader's log and deletes rows, which Spark's Parquet tables do not take. -#}
    {{- return({'materialized': 'table'}) -}}
{%- endmacro %}

{% macro default__incremental_config(retract_column, retract, line_columns, unique_key) -%}
    {#- The config of an incremental model of this project: appended rows, after the pre-hook
        prepare_incremental_refresh deletes what they supersede (if `retract`); the post-hook
        records the state; with a `unique_key`, the rows of its new values replace the old ones
        (delete+insert). A change of columns fails (dbt build --full-refresh rebuilds). Each of
        `line_columns` (raw line numbers) gets a BRIN index when the table is built: a refresh's
        rows are appended at its end, and the refresh and its tests read only them; the replaced
        activity rows to delete are found by a btree index (finish_incremental_refresh). -#}
    {%- set indexes = [] -%}
    {%- for column in line_columns -%}
        {%- do indexes.append({'columns': [column], 'type': 'brin'}) -%}
    {%- endfor -%}

    {%- set settings = {
        'materialized': 'incremental',
        'incremental_strategy': 'append' if unique_key is none else 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'post_hook': [
            '{{ finish_incremental_refresh('
            ~ (tojson(retract_column) if retract == 'replaced activity rows' else 'none') ~ ') }}'
        ],
        'indexes': indexes,
    } -%}
    {%- if retract is not none -%}
        {%- do settings.update({'pre_hook': [
            '{{ prepare_incremental_refresh(' ~ tojson(retract_column) ~ ', ' ~ tojson(retract) ~ ') }}'
        ]}) -%}
    {%- endif -%}
    {{- return(settings) -}}
{%- endmacro %}


{% macro analyze_when_built() -%}
    {{- return(adapter.dispatch('analyze_when_built')()) -}}
{%- endmacro %}

{% macro default__analyze_when_built() -%}
    {#- Post-hook of the intermediate tables: statistics for a table built right now (an
        incremental model's come from finish_incremental_refresh). -#}
    {%- if model.config.materialized != 'incremental' -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__analyze_when_built() -%}
    {#- nothing: Spark keeps no planner statistics that a build must refresh. -#}
{%- endmacro %}



{% macro incremental_state_relation() -%}
    {{- return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='dbt_incremental_state'
    )) -}}
{%- endmacro %}


{% macro create_incremental_state() -%}
    {{- return(adapter.dispatch('create_incremental_state')()) -}}
{%- endmacro %}

{% macro default__create_incremental_state() -%}
    {#- on-run-start: one table for the states of every incremental model -#}
    create schema if not exists {{ quoted_identifier(target.schema) }};
    create table if not exists {{ incremental_state_relation() }} (
        relation_name text primary key,
        generation bigint,
        load_id bigint,
        last_lines jsonb,
        inputs_hash text not null,
        refreshed_at timestamptz not null,
        invocation_id text not null
    )
{%- endmacro %}

{% macro spark__create_incremental_state() -%}
    {#- nothing: the models rebuild in full on Spark (incremental_config): no state to keep. -#}
{%- endmacro %}



{% macro incremental_inputs() -%}
    {#- The small tables whose rows decide columns of the incremental models' rows: a change to any
        of them rebuilds those models in full. The users are not among them: the reps' names are
        joined in the mart, so that a renamed user changes no stored row. -#}
    {%- set inputs = [] -%}
    {%- for name in incremental_input_names() -%}
        {%- do inputs.append(ref(name)) -%}
    {%- endfor -%}
    {{- return(inputs) -}}
{%- endmacro %}


{% macro incremental_input_names() -%}
    {#- The node names of incremental_inputs() (refresh_test_scope reads them without ref) -#}
    {{- return(['funnel_steps', 'stg_pipedrive__stages', 'stg_pipedrive__field_options']) -}}
{%- endmacro %}


{% macro rows_md5_sql(relation) -%}
    {#- SQL: the md5 of a small relation's rows, in a fixed order -#}
    {{- return(
        "(select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from "
        ~ relation ~ " as t)"
    ) -}}
{%- endmacro %}


{% macro incremental_scope() -%}
    {#- What this incremental model has to take in: a dict with
        full (rebuild every row), reason (why in full), bounded (the loader's log exists: the rows
        are bounded by the last load before the build), load_id, generation, to_lines (the last
        lines of that load), inputs_hash, and when not full: since_load and from_lines (the state's
        load and last lines). -#}
    {%- set scope = {'full': true, 'bounded': false, 'reason': 'the raw tables come from dbt seed'} -%}
    {%- if model.resource_type != 'model' -%}
        {#- a unit test: its given rows are the whole input -#}
        {%- do scope.update({'reason': 'a unit test'}) -%}
        {{- return(scope) -}}
    {%- endif -%}
    {#- called while dbt parses the model, so that they are its parents -#}
    {%- do source('pipedrive', 'pipedrive_loads') -%}
    {%- do source('pipedrive', 'activity__replaced') -%}
    {%- do source('pipedrive', 'deal_changes') -%}
    {%- do source('pipedrive', 'activity') -%}
    {%- do incremental_inputs() -%}
    {%- if not execute or var('raw_source', 'seeds') != 'loader' -%}
        {{- return(scope) -}}
    {%- elif target.type == 'spark' -%}
        {#- pipedrive-spark load keeps no log of loads: spark__incremental_config makes a table -#}
        {%- do scope.update({'reason': 'on Spark the incremental models are tables'}) -%}
        {{- return(scope) -}}
    {%- endif -%}
    {%- set latest = last_load_taken_in(incremental_inputs_hash_sql(), this | string) -%}
    {%- if latest is string -%}
        {%- do scope.update({'reason': latest}) -%}
        {{- return(scope) -}}
    {%- endif -%}
    {%- set state = latest.state -%}
    {%- do scope.update({
        'bounded': true, 'load_id': latest.load_id, 'generation': latest.generation,
        'to_lines': latest.to_lines, 'inputs_hash': latest.inputs_hash,
    }) -%}
    {%- if dbt.should_full_refresh() -%}
        {%- do scope.update({'reason': 'dbt build --full-refresh'}) -%}
        {{- return(scope) -}}
    {%- endif -%}
    {%- set existing = adapter.get_relation(this.database, this.schema, this.identifier) -%}
    {%- if existing is none or existing.type != 'table' -%}
        {%- do scope.update({'reason': 'a new table'}) -%}
    {%- elif state is none -%}
        {%- do scope.update({'reason': 'no record of its last refresh'}) -%}
    {%- elif state.generation != scope.generation -%}
        {%- do scope.update({'reason': 'a full load since its last refresh'}) -%}
    {%- elif state.inputs_hash != scope.inputs_hash -%}
        {%- do scope.update({'reason': 'the funnel mapping, stages or field options changed'}) -%}
    {%- else -%}
        {%- do scope.update({
            'full': false,
            'reason': '',
            'since_load': state.load_id,
            'from_lines': state.last_lines,
        }) -%}
    {%- endif -%}
    {{- return(scope) -}}
{%- endmacro %}


{% macro last_load_taken_in(inputs_hash_sql=none, state_of=none) -%}
    {#- The last load that ended before this build claimed the database (macros/build_claim.sql,
        by the server's clock): a dict of load_id, generation (the last full load up to it) and
        to_lines (its last lines); with inputs_hash (the value of `inputs_hash_sql`) and state (the
        row `state_of` of the table of states, as a dict, or none), read in the same query. Or,
        when there is no such load, a string saying why. Two queries in all. -#}
    {%- set log = graph.sources['source.pipedrive_funnel.pipedrive.pipedrive_loads'].relation_name -%}
    {%- set claims = build_claims_relation() -%}
    {%- set states = incremental_state_relation() -%}
    {%- set found = run_query(
        "select to_regclass(" ~ sql_string_literal(log) ~ ") is not null, to_regclass("
        ~ sql_string_literal(claims | string) ~ ") is not null, to_regclass("
        ~ sql_string_literal(states | string) ~ ") is not null"
    ).rows[0] -%}
    {%- if not found[0] -%}
        {{- return('the raw schema has no log of loads (' ~ log ~ ')') -}}
    {%- endif -%}
    {%- set claimed_at = (
        "(select min(started_at) from " ~ claims ~ " where invocation_id = "
        ~ sql_string_literal(invocation_id) ~ ")"
    ) if found[1] else "null" -%}
    {%- set state = (
        "(select row_to_json(state)::text from " ~ states ~ " as state where relation_name = "
        ~ sql_string_literal(state_of) ~ ")"
    ) if found[2] and state_of is not none else "null::text" -%}
    {%- set latest = run_query(
        "select load_id, generation, last_lines::text, " ~ (inputs_hash_sql or "null::text")
        ~ ", " ~ state ~ " from (select load_id, last_lines, max(load_id) filter (where kind ="
        ~ " 'full') over (order by load_id) as generation from " ~ log ~ " where loaded_at <="
        ~ " coalesce(" ~ claimed_at ~ ", 'infinity')) as loads order by load_id desc limit 1"
    ) -%}
    {%- if latest.rows | length == 0 or latest.rows[0][1] is none -%}
        {{- return('no full load before this build started') -}}
    {%- endif -%}
    {%- set row = latest.rows[0] -%}
    {{- return({
        'load_id': row[0],
        'generation': row[1],
        'to_lines': fromjson(row[2]),
        'inputs_hash': row[3],
        'state': fromjson(row[4]) if row[4] is not none else none,
    }) -}}
{%- endmacro %}


{% macro should_full_refresh() -%}
    {#- Overrides dbt's global macro (the root project's macro wins): an incremental model of this
        project also rebuilds in full when its scope says so (incremental_scope); everything else
        as dbt decides. -#}
    {%- if model is defined and model.config.materialized == 'incremental' and model.resource_type == 'model' -%}
        {{- return(incremental_scope().full) -}}
    {%- endif -%}
    {{- return(dbt.should_full_refresh()) -}}
{%- endmacro %}


{% macro incremental_inputs_hash_sql() -%}
    {#- SQL: the md5 of the rows of incremental_inputs(), each table's rows in a fixed order -#}
    {%- set hashes = [] -%}
    {%- for input in incremental_inputs() -%}
        {%- do hashes.append(rows_md5_sql(input)) -%}
    {%- endfor -%}
    {{- return("md5(concat_ws(',', " ~ hashes | join(', ') ~ "))") -}}
{%- endmacro %}


{% macro incremental_window(scope, table_name, column, all_rows=false) -%}
    {#- A condition on a raw line number (`column`) of `table_name`: the rows this refresh takes
        in (all rows up to the build's last load when in full, or with all_rows). -#}
    {%- if not scope.bounded -%}
        true
    {%- else -%}
        {%- set upper = scope.to_lines.get(table_name) -%}
        {%- set lower = none if scope.full or all_rows else scope.from_lines.get(table_name) -%}
        {%- if upper is none -%}
            {{ exceptions.raise_compiler_error(
                "the log of loads has no last line of " ~ table_name ~ " for load " ~ scope.load_id
            ) }}
        {%- endif -%}
        {{ column }} <= {{ upper | int }}
        {%- if lower is not none %} and {{ column }} > {{ lower | int }}{% endif -%}
    {%- endif -%}
{%- endmacro %}


{% macro replaced_activity_rows(scope) -%}
    {#- The activity rows, as they were, that the loads of this refresh replaced (not full only) -#}
    (
        select *
        from {{ source('pipedrive', 'activity__replaced') }}
        where
            _replaced_in_load > {{ scope.since_load | int }}
            and _replaced_in_load <= {{ scope.load_id | int }}
    )
{%- endmacro %}


{% macro touched_months(scope, deal_changes=true) -%}
    {#- The months whose counts this refresh may change (not full only): the months of the new
        stage changes and losses (unless deal_changes is false: the reps' counts), of the new done
        activities, and of the replaced activity rows that were done (where they counted) -#}
    {%- if deal_changes %}
    select date_trunc('month', change_time) as month
    from {{ source('pipedrive', 'deal_changes') }}
    where
        {{ incremental_window(scope, 'deal_changes', '_line_number') }}
        and changed_field_key in ('stage_id', 'lost_reason')
    union
    {%- endif %}
    select date_trunc('month', due_to) as month
    from {{ source('pipedrive', 'activity') }}
    where {{ incremental_window(scope, 'activity', '_line_number') }} and done
    union
    select date_trunc('month', due_to) as month
    from {{ replaced_activity_rows(scope) }} as replaced
    where done
{%- endmacro %}


{% macro prepare_incremental_refresh(retract_column=none, retract=none) -%}
    {#- Pre-hook of an incremental model: before the new rows are appended, delete the rows they
        supersede, where `retract_column` is in the set `retract` names:
        'replaced activity rows' (their line numbers), 'touched months' or 'touched activity
        months' (touched_months without the deal log's). -#}
    {%- set scope = incremental_scope() -%}
    {%- if not scope.full and retract is not none -%}
        {%- if retract == 'replaced activity rows' -%}
            {%- set superseded = 'select _line_number from ' ~ replaced_activity_rows(scope) ~ ' as replaced' -%}
        {%- elif retract in ('touched months', 'touched activity months') -%}
            {%- set superseded = touched_months(scope, retract == 'touched months') -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("prepare_incremental_refresh: unknown retract " ~ retract) }}
        {%- endif -%}
        delete from {{ this }} where {{ retract_column }} in ({{ superseded }})
    {%- endif -%}
{%- endmacro %}


{% macro finish_incremental_refresh(index_column=none) -%}
    {#- The post-hook of an incremental model, in the transaction of its rows. When the table was
        just built or rebuilt in full: analyze it (the tests and children that read it next need
        statistics; a refresh's few appended rows leave them right, and an analyze of 5M rows
        took 1.8 s), and index `index_column` (a btree without nulls: 0.6 s on 5M rows where a
        hash index took 2.4 s), which finds the replaced rows a refresh deletes. Then record what
        it took in (in dbt seed mode: forget it). -#}
    {%- set scope = incremental_scope() -%}
    {%- set state = incremental_state_relation() -%}
    {%- if scope.full %}
        analyze {{ this }};
        {%- if index_column is not none %}
        create index on {{ this }} ({{ adapter.quote(index_column) }})
        where {{ adapter.quote(index_column) }} is not null;
        {%- endif %}
    {%- endif %}
    {%- if not scope.bounded %}
        delete from {{ state }} where relation_name = {{ sql_string_literal(this | string) }}
    {%- else %}
        {{ upsert_incremental_state(this | string, scope, scope.inputs_hash) }}
    {%- endif -%}
{%- endmacro %}


{% macro upsert_incremental_state(relation_name, load, inputs_hash) -%}
    {#- The state row `relation_name`: the load (generation, load_id, to_lines) taken in -#}
    insert into {{ incremental_state_relation() }} as state (
        relation_name, generation, load_id, last_lines, inputs_hash, refreshed_at, invocation_id
    )
    values (
        {{ sql_string_literal(relation_name) }}, {{ load.generation | int }},
        {{ load.load_id | int }}, {{ sql_string_literal(tojson(load.to_lines)) }}::jsonb,
        {{ sql_string_literal(inputs_hash) }}, clock_timestamp(),
        {{ sql_string_literal(invocation_id) }}
    )
    on conflict (relation_name) do update set
        generation = excluded.generation,
        load_id = excluded.load_id,
        last_lines = excluded.last_lines,
        inputs_hash = excluded.inputs_hash,
        refreshed_at = excluded.refreshed_at,
        invocation_id = excluded.invocation_id
{%- endmacro %}
