{% macro serialize_builds(step) -%}
    {#- A lock for one step of a build, held until the end of that step's transaction: the start
        hooks of two builds started at the same time run one after the other, so they do not
        both create the BI role or grant on the marts schema at once ("tuple concurrently
        updated"). It does not serialize whole builds: see the README. -#}
    select pg_advisory_xact_lock(
        hashtext('pipedrive_funnel build'), hashtext({{ sql_string_literal(step) }})
    )
{%- endmacro %}
