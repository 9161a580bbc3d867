{% macro set_up_bi_role(role_name) -%}
    {{- return(adapter.dispatch('set_up_bi_role')(role_name)) -}}
{%- endmacro %}

{% macro default__set_up_bi_role(role_name) -%}
    {#- The role name comes from a variable: it is validated, then only ever reaches SQL quoted,
        as an identifier (quoted_identifier) or as a literal (sql_string_literal); the DO block's
        body is itself a string literal, quoted the same way. The statements run as one, under
        the build lock of the hook (serialize_builds): two builds started together do not both
        create the role or grant on the schema at once. -#}
    {%- set role_name = valid_role_name(role_name) -%}
    {%- set marts_schema = generate_schema_name('marts', none) -%}
    {%- set create_role_if_missing -%}
        begin
            if not exists (
                select from pg_catalog.pg_roles where rolname = {{ sql_string_literal(role_name) }}
            ) then
                create role {{ quoted_identifier(role_name) }} nologin;
            end if;
        exception
            -- a build of another database of the server created it meanwhile (roles belong to
            -- the server; the lock above serializes the builds of one database only)
            when duplicate_object or unique_violation then null;
        end
    {%- endset %}
    {{ serialize_builds('on-run-start') }};
    do {{ sql_string_literal(create_role_if_missing) }};
    create schema if not exists {{ quoted_identifier(marts_schema) }};
    grant usage on schema {{ quoted_identifier(marts_schema) }} to {{ quoted_identifier(role_name) }}
{%- endmacro %}

{% macro spark__set_up_bi_role(role_name) -%}
    {#- nothing: Spark has no roles or grants: read access is the cluster's (or the metastore's) to give. -#}
{%- endmacro %}



{% macro valid_role_name(role_name) -%}
    {#- A PostgreSQL role name: 1 to 63 bytes, no control characters (NUL cannot be stored, the
        others only hide what the name is). Any other character is fine, quoted. -#}
    {%- set name = role_name | string if role_name is not none else '' -%}
    {%- set problem = none -%}
    {%- if name | length == 0 -%}
        {%- set problem = 'is empty' -%}
    {%- elif name.encode('utf-8') | length > 63 -%}
        {%- set problem = 'is longer than 63 bytes' -%}
    {%- elif modules.re.search('[\\x00-\\x1f\\x7f]', name) -%}
        {%- set problem = 'contains a control character' -%}
    {%- endif -%}
    {%- if problem is not none -%}
        {{- exceptions.raise_compiler_error(
            'var bi_role ' ~ tojson(role_name) ~ ': ' ~ problem
            ~ '; give the name of the role your BI tool reads the marts as'
        ) }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}


{% macro sql_string_literal(value) -%}
    {#- A SQL string literal of any text (standard_conforming_strings, on since PostgreSQL 9.1:
        only the quote needs doubling). -#}
    {{- return("'" ~ (value | replace("'", "''")) ~ "'") -}}
{%- endmacro %}


{% macro quoted_identifier(name) -%}
    {#- A SQL identifier of any name: double-quoted, its double quotes doubled (dbt's adapter.quote
        leaves them as they are, and a `"` in the name would end the identifier). -#}
    {{- return('"' ~ (name | replace('"', '""')) ~ '"') -}}
{%- endmacro %}
