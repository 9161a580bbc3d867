{% macro parse_timestamp(expression) -%}
    case
        when {{ expression }} ~ '^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\s*$'
            then trim({{ expression }})::timestamp
    end
{%- endmacro %}
