{% macro set_up_bi_role(role_name) -%}
    {%- set marts_schema = generate_schema_name('marts', none) -%}
    do $set_up_bi_role$
    begin
        if not exists (select from pg_catalog.pg_roles where rolname = '{{ role_name }}') then
            create role {{ adapter.quote(role_name) }} nologin;
        end if;
    end
    $set_up_bi_role$;
    create schema if not exists {{ adapter.quote(marts_schema) }};
    grant usage on schema {{ adapter.quote(marts_schema) }} to {{ adapter.quote(role_name) }}
{%- endmacro %}
