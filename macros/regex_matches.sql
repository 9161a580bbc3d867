{% macro regex_matches(expression, pattern) -%}
    {{- return(adapter.dispatch('regex_matches')(expression, pattern)) -}}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ {{ dbt.string_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_matches(expression, pattern) -%}
    {#- Spark's string literals read a backslash as an escape: each one is doubled. -#}
    ({{ expression }} rlike {{ spark_string_literal(pattern) }})
{%- endmacro %}
