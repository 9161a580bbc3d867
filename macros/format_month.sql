{% macro format_month(expression) -%}
    {#- A month (a date or timestamp) as text YYYY-MM. -#}
    {{- return(adapter.dispatch('format_month')(expression)) -}}
{%- endmacro %}

{% macro default__format_month(expression) -%}
    to_char({{ expression }}, 'YYYY-MM')
{%- endmacro %}

{% macro spark__format_month(expression) -%}
    {#- yyyy, not YYYY: Spark's YYYY is the week-based year (30 December 2024 is in 2025). -#}
    date_format({{ expression }}, 'yyyy-MM')
{%- endmacro %}
