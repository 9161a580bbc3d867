{#-
    One build at a time on a database. Two dbt builds started together would both create and swap
    the same relations and fail on the catalogue ("duplicate key value violates unique constraint
    pg_type_typname_nsp_index", "relation ... already exists"). dbt opens a new connection for
    every node, so no session lock can last a whole build; instead a build claims the database in
    a small table, `<target schema>.dbt_build_claims`:
    - on-run-start (claim_build, the first hook): a claim of another invocation renewed within the
      lease (var build_claim_lease_minutes, 10) stops this build at once, before it changes
      anything, with a message naming that build; otherwise this build's claim replaces it (a
      killed build's claim lapses with its lease);
    - every model and seed (renew_build_claim, a pre-hook) renews the claim, and stops the build if
      another build took it over;
    - on-run-end (release_build_claim, also a run-operation for a claim left by a killed build)
      removes it.
    The claims are taken one at a time, under an advisory lock (serialize_builds).
-#}
{% macro build_claims_relation() -%}
    {{- return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='dbt_build_claims'
    )) -}}
{%- endmacro %}


{% macro claim_build() -%}
    {{- return(adapter.dispatch('claim_build')()) -}}
{%- endmacro %}

{% macro default__claim_build() -%}
    {%- set claims = build_claims_relation() -%}
    {%- set lease = var('build_claim_lease_minutes', 10) | int -%}
    {%- set claim -%}
        declare
            holder record;
        begin
            select invocation_id, command, started_at, max(renewed_at) as renewed_at
            into holder
            from {{ claims }}
            where invocation_id <> {{ sql_string_literal(invocation_id) }}
            group by invocation_id, command, started_at
            order by renewed_at desc
            limit 1;
            if found and holder.renewed_at > clock_timestamp() - make_interval(mins => {{ lease }})
            then
                raise exception using
                    message = format(
                        'another dbt %s is running on this database (invocation %s, started %s,'
                        ' last active %s): one build at a time; run again when it has finished',
                        holder.command, holder.invocation_id,
                        to_char(holder.started_at, 'YYYY-MM-DD HH24:MI:SS'),
                        to_char(holder.renewed_at, 'YYYY-MM-DD HH24:MI:SS')
                    ),
                    hint = format(
                        'If that build was killed, its claim lapses %s minutes after it was last'
                        ' active, or remove it now: dbt run-operation release_build_claim',
                        {{ lease }}
                    );
            end if;
            delete from {{ claims }};
            insert into {{ claims }} (invocation_id, command, started_at, renewed_at)
            values (
                {{ sql_string_literal(invocation_id) }}, {{ sql_string_literal(flags.WHICH) }},
                clock_timestamp(), clock_timestamp()
            );
        end
    {%- endset %}
    {{ serialize_builds('claim') }};
    create schema if not exists {{ quoted_identifier(target.schema) }};
    create table if not exists {{ claims }} (
        invocation_id text not null,
        command text not null,
        started_at timestamptz not null,
        renewed_at timestamptz not null
    );
    do {{ sql_string_literal(claim) }}
{%- endmacro %}

{% macro spark__claim_build() -%}
    {#- nothing: Spark has no advisory lock or transaction to claim a build with: one build at a time is the user's to keep. -#}
{%- endmacro %}



{% macro renew_build_claim() -%}
    {{- return(adapter.dispatch('renew_build_claim')()) -}}
{%- endmacro %}

{% macro default__renew_build_claim() -%}
    {%- set claims = build_claims_relation() -%}
    {#- a row per renewal: inserts of nodes running side by side never wait on each other -#}
    {%- set renew -%}
        begin
            insert into {{ claims }} (invocation_id, command, started_at, renewed_at)
            select invocation_id, command, started_at, clock_timestamp()
            from {{ claims }}
            where invocation_id = {{ sql_string_literal(invocation_id) }}
            limit 1;
            if not found then
                raise exception using
                    message = 'another dbt build took over this database while this one ran'
                        ' (this build was inactive for longer than its lease,'
                        ' var build_claim_lease_minutes): this build stops here';
            end if;
        end
    {%- endset %}
    do {{ sql_string_literal(renew) }}
{%- endmacro %}

{% macro spark__renew_build_claim() -%}
    {#- nothing: no claim on Spark (claim_build). -#}
{%- endmacro %}



{% macro release_build_claim() -%}
    {{- return(adapter.dispatch('release_build_claim')()) -}}
{%- endmacro %}

{% macro default__release_build_claim() -%}
    {#- on-run-end: this build's claim; as a run-operation: any claim (a killed build's) -#}
    {%- set claims = build_claims_relation() -%}
    {%- set condition = (
        "where invocation_id = " ~ sql_string_literal(invocation_id)
    ) if flags.WHICH != 'run-operation' else "" -%}
    {%- set release -%}
        delete from {{ claims }} {{ condition }}
    {%- endset -%}
    {%- if flags.WHICH == 'run-operation' -%}
        {%- if adapter.get_relation(claims.database, claims.schema, claims.identifier) -%}
            {%- do run_query(release) -%}
            {%- do log("released the build claim of " ~ claims, info=true) -%}
        {%- endif -%}
    {%- else -%}
        {{ release }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__release_build_claim() -%}
    {#- nothing: no claim on Spark (claim_build). -#}
{%- endmacro %}



{% macro serialize_builds(step) -%}
    {#- A lock for one step of a build, held until the end of that step's transaction: the start
        hooks of two builds started at the same time run one after the other, so they do not
        both claim the database, create the BI role or grant on the marts schema at once
        ("tuple concurrently updated"). -#}
    select pg_advisory_xact_lock(
        hashtext('pipedrive_funnel build'), hashtext({{ sql_string_literal(step) }})
    )
{%- endmacro %}
